//! Sharded runs: `cxsim run FILE --shard K/N` simulates one contiguous slice of the work units
//! and writes a *part file*; `cxsim merge` combines parts into the exact bits of the unsharded
//! run (see [`crate::engine::reduce`] for why the sums come out identical).
//!
//! A part file is JSON (`cxsim.part/1`, documented in docs/scale-out.md) and self-contained: it
//! carries the scenario text it was simulated from, so `merge` needs nothing else.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::engine::reduce::{Block, Reducer, dyadic_blocks, reduce_range};
use crate::engine::{Acc, Engine, RunSpec, UNIT};
use crate::format::error::LoadError;
use crate::model::Model;
use crate::model::load::load_str;
use crate::results::RunResults;
use crate::results::acquisition::intervals;
use crate::run::acquisition::{Extras, attach_extras, funnel_engines};

pub const PART_FORMAT: &str = "cxsim.part/1";

/// Shard K of N (1-based: `1/8` … `8/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let hint = "write K/N with 1 ≤ K ≤ N, e.g. 3/8 for the third of eight shards";
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not K/N; {hint}"))?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("`{k}` is not a whole number; {hint}"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a whole number; {hint}"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard {k}/{n} does not exist; {hint}"));
        }
        Ok(Shard { index: k, count: n })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The work units of this shard: `[⌊U·(K−1)/N⌋, ⌊U·K/N⌋)`. Shards differ by at most one
    /// unit; with N > U some shards are empty (and still write a part).
    pub fn units(&self, total_units: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(total_units) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }
}

/// 64-bit FNV-1a of the scenario file's bytes: identifies the exact text a part was run from.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartBlock {
    pub level: u32,
    pub first: u64,
    pub acc: Acc,
}

/// The content of a part file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub format: String,
    /// `fnv1a64:` and 16 hex digits of the scenario file's bytes.
    pub scenario_hash: String,
    /// The scenario's path as given to `cxsim run` (used in messages only).
    pub scenario_path: String,
    pub scenario_text: String,
    pub seed: u64,
    pub customers: u64,
    /// Strategy indices in report order (from `--strategy`, default all).
    pub strategies: Vec<usize>,
    pub unit_size: u64,
    pub total_units: u64,
    pub shard: Shard,
    /// Work units [start, end) of this shard.
    pub units: [u64; 2],
    /// The shard's canonical dyadic blocks, in unit order.
    pub blocks: Vec<PartBlock>,
    /// A scenario with an acquisition section: the shard's part of the extra simulations the
    /// open population needs (docs/scale-out.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquisition: Option<AcquisitionPart>,
}

/// The shard's part of the acquisition's extra simulations, cut at batch boundaries so that
/// `merge` rebuilds every batch's accumulator exactly (`engine::reduce::reduce_range`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcquisitionPart {
    /// The main run's pieces (empty without intervals: the main blocks serve then).
    pub run: Vec<PartBlock>,
    /// Per funnel of a multi-segment scenario, its cohort's pieces.
    pub funnels: Vec<Vec<PartBlock>>,
}

/// The shard's units cut at the intervals' batch boundaries (when the run has intervals).
fn cut_at_batches(units: Range<u64>, spec: &RunSpec) -> Vec<Range<u64>> {
    if !intervals::has_intervals(spec.customers) {
        return vec![units];
    }
    intervals::batch_ranges(spec.units())
        .into_iter()
        .map(|b| b.start.max(units.start)..b.end.min(units.end))
        .filter(|r| r.start < r.end)
        .collect()
}

/// The canonical blocks of each cut, in unit order.
fn run_pieces(
    engine: &Engine,
    cuts: &[Range<u64>],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Vec<Block<Acc>> {
    let mut out = Vec::new();
    for r in cuts {
        // Without a cancel flag a run cannot be cancelled.
        out.extend(
            engine
                .run_blocks(r.clone(), None, progress)
                .unwrap_or_default(),
        );
    }
    out
}

fn to_part_blocks(blocks: Vec<Block<Acc>>) -> Vec<PartBlock> {
    blocks
        .into_iter()
        .map(|b| PartBlock {
            level: b.level,
            first: b.first,
            acc: b.value,
        })
        .collect()
}

fn from_part_blocks(blocks: &[PartBlock]) -> Vec<Block<Acc>> {
    blocks
        .iter()
        .map(|b| Block {
            level: b.level,
            first: b.first,
            value: b.acc.clone(),
        })
        .collect()
}

pub fn scenario_hash(text: &str) -> String {
    format!("fnv1a64:{:016x}", fnv1a64(text.as_bytes()))
}

/// Simulates shard `shard` of the run `spec` of `model` (loaded from `text` at `path`).
pub fn run_shard(
    model: &Model,
    path: &Path,
    text: &str,
    spec: &RunSpec,
    shard: Shard,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Part {
    let engine = Engine::new(model, spec.clone());
    let total_units = spec.units();
    let units = shard.units(total_units);
    let (blocks, acquisition) = if model.scenario.acquisition.is_some() {
        // The main run cut at batch boundaries serves both its canonical blocks (rebuilt from
        // the pieces) and the batches; each funnel's cohort likewise.
        let cuts = cut_at_batches(units.clone(), spec);
        let pieces = run_pieces(&engine, &cuts, progress);
        let blocks: Vec<Block<Acc>> = dyadic_blocks(units.clone())
            .into_iter()
            .filter_map(|(level, first)| {
                let range = first..first + (1u64 << level);
                let inside: Vec<Block<Acc>> = pieces
                    .iter()
                    .filter(|p| p.first >= range.start && p.units().end <= range.end)
                    .cloned()
                    .collect();
                reduce_range(range, inside).map(|value| Block {
                    level,
                    first,
                    value,
                })
            })
            .collect();
        let batched = intervals::has_intervals(spec.customers);
        let funnels = funnel_engines(model, spec)
            .iter()
            .map(|e| to_part_blocks(run_pieces(e, &cuts, &|_, _| {})))
            .collect();
        let run = if batched {
            to_part_blocks(pieces)
        } else {
            Vec::new()
        };
        (blocks, Some(AcquisitionPart { run, funnels }))
    } else {
        // Without a cancel flag a run cannot be cancelled.
        let blocks = engine
            .run_blocks(units.clone(), None, progress)
            .unwrap_or_default();
        (blocks, None)
    };
    Part {
        format: PART_FORMAT.to_string(),
        scenario_hash: scenario_hash(text),
        scenario_path: path.display().to_string(),
        scenario_text: text.to_string(),
        seed: spec.seed,
        customers: spec.customers,
        strategies: spec.strategies.clone(),
        unit_size: UNIT,
        total_units,
        shard,
        units: [units.start, units.end],
        blocks: to_part_blocks(blocks),
        acquisition,
    }
}

/// The part as JSON text (compact: parts are for machines), with a trailing newline. Floats are
/// written in their shortest round-trip form and read back exactly.
pub fn part_json(part: &Part) -> String {
    match serde_json::to_string(part) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// Why parts cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{}: error: cannot read part file: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: error: not a cxsim part file: {message}\n  hint: part files are written by `cxsim run FILE --shard K/N --out PART`", path.display())]
    NotAPart { path: PathBuf, message: String },
    #[error("{}: error: {message}\n  hint: {hint}", path.display())]
    Mismatch {
        path: PathBuf,
        message: String,
        hint: String,
    },
    #[error("error: {message}\n  hint: {hint}")]
    Coverage { message: String, hint: String },
    #[error("{0}")]
    Scenario(#[from] LoadError),
}

impl MergeError {
    pub fn is_io(&self) -> bool {
        matches!(self, MergeError::Io { .. })
            || matches!(self, MergeError::Scenario(e) if e.is_io())
    }
}

/// Reads and parses one part file.
pub fn read_part(path: &Path) -> Result<Part, MergeError> {
    let text = std::fs::read_to_string(path).map_err(|source| MergeError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let part: Part = serde_json::from_str(&text).map_err(|e| MergeError::NotAPart {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if part.format != PART_FORMAT {
        return Err(MergeError::NotAPart {
            path: path.to_path_buf(),
            message: format!("format `{}`, this cxsim reads `{PART_FORMAT}`", part.format),
        });
    }
    Ok(part)
}

/// Merges parts (in any order) into the results of the unsharded run. Refuses parts of
/// different scenarios, seeds, customer counts, strategy selections or shard counts, and
/// duplicate, missing or overlapping shards.
pub fn merge(parts: &[(PathBuf, Part)]) -> Result<(Model, RunSpec, RunResults), MergeError> {
    let Some((first_path, first)) = parts.first() else {
        return Err(MergeError::Coverage {
            message: "no part files given".into(),
            hint: "pass every part: cxsim merge part-*.json".into(),
        });
    };
    for (path, p) in parts {
        let mismatch = |what: &str, this: String, other: String, hint: &str| {
            Err(MergeError::Mismatch {
                path: path.clone(),
                message: format!(
                    "this part has {what} {this}, but {} has {other}",
                    first_path.display()
                ),
                hint: hint.to_string(),
            })
        };
        if p.scenario_hash != first.scenario_hash {
            return mismatch(
                "scenario",
                format!("{} ({})", p.scenario_path, p.scenario_hash),
                format!("{} ({})", first.scenario_path, first.scenario_hash),
                "all parts must be simulated from byte-identical scenario files",
            );
        }
        if p.scenario_text != first.scenario_text {
            return mismatch(
                "scenario text",
                "that differs".into(),
                "another with the same hash".into(),
                "the part files were edited; rerun the shards",
            );
        }
        if p.seed != first.seed {
            return mismatch(
                "seed",
                p.seed.to_string(),
                first.seed.to_string(),
                "run every shard with the same --seed",
            );
        }
        if p.customers != first.customers {
            return mismatch(
                "customers",
                p.customers.to_string(),
                first.customers.to_string(),
                "run every shard with the same -n/--customers",
            );
        }
        if p.strategies != first.strategies {
            return mismatch(
                "strategies",
                format!("{:?}", p.strategies),
                format!("{:?}", first.strategies),
                "run every shard with the same --strategy selection",
            );
        }
        if p.shard.count != first.shard.count {
            return mismatch(
                "shard count",
                p.shard.to_string(),
                first.shard.to_string(),
                "merge the parts of one sharded run (the same N in --shard K/N)",
            );
        }
        if p.unit_size != first.unit_size || p.total_units != first.total_units {
            return mismatch(
                "work units",
                format!("{}×{}", p.total_units, p.unit_size),
                format!("{}×{}", first.total_units, first.unit_size),
                "all parts must come from the same cxsim version",
            );
        }
        let expected = p.shard.units(p.total_units);
        if p.units != [expected.start, expected.end] {
            return Err(MergeError::NotAPart {
                path: path.clone(),
                message: format!(
                    "shard {} should cover units {}..{}, the file says {}..{}",
                    p.shard, expected.start, expected.end, p.units[0], p.units[1]
                ),
            });
        }
    }

    // Every shard exactly once.
    let n = first.shard.count;
    if n > 1 << 20 {
        return Err(MergeError::Coverage {
            message: format!("{n} shards is more than cxsim merges"),
            hint: "use at most 1,048,576 shards".into(),
        });
    }
    let mut seen: Vec<Option<&PathBuf>> = vec![None; n as usize];
    for (path, p) in parts {
        let slot = &mut seen[(p.shard.index - 1) as usize];
        if let Some(other) = slot {
            return Err(MergeError::Coverage {
                message: format!(
                    "shard {} is given twice: {} and {}",
                    p.shard,
                    other.display(),
                    path.display()
                ),
                hint: "pass each part file once".into(),
            });
        }
        *slot = Some(path);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{n}", i + 1))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        return Err(MergeError::Coverage {
            message: format!(
                "{} of {n} shards missing: {}{}",
                missing.len(),
                shown.join(", "),
                if missing.len() > 10 { ", …" } else { "" }
            ),
            hint: "every shard K/N for K = 1..N must be merged; rerun the missing ones".into(),
        });
    }

    let path = Path::new(&first.scenario_path);
    let model = load_str(path, &first.scenario_text)?;
    if let Some(&bad) = first
        .strategies
        .iter()
        .find(|&&s| s >= model.scenario.strategies.len())
    {
        return Err(MergeError::NotAPart {
            path: first_path.clone(),
            message: format!("strategy index {bad} does not exist in the scenario"),
        });
    }
    let spec = RunSpec {
        customers: first.customers,
        seed: first.seed,
        strategies: first.strategies.clone(),
    };
    if spec.units() != first.total_units || first.unit_size != UNIT {
        return Err(MergeError::NotAPart {
            path: first_path.clone(),
            message: format!(
                "{} units of {} customers do not match this cxsim's work units ({} of {UNIT})",
                first.total_units,
                first.unit_size,
                spec.units()
            ),
        });
    }
    let template = Engine::new(&model, spec.clone()).empty_acc();

    // All blocks, in unit order, through one counter.
    let mut ordered: Vec<&(PathBuf, Part)> = parts.iter().collect();
    ordered.sort_by_key(|(_, p)| p.shard.index);
    let mut counter = Reducer::new(0);
    for (path, p) in ordered {
        let expected = dyadic_blocks(p.units[0]..p.units[1]);
        let got: Vec<(u32, u64)> = p.blocks.iter().map(|b| (b.level, b.first)).collect();
        if got != expected {
            return Err(MergeError::NotAPart {
                path: path.clone(),
                message: format!(
                    "its blocks do not follow the canonical decomposition of units {}..{}",
                    p.units[0], p.units[1]
                ),
            });
        }
        for b in &p.blocks {
            if !b.acc.same_shape(&template) {
                return Err(MergeError::NotAPart {
                    path: path.clone(),
                    message: format!(
                        "the sums of the block at unit {} do not fit the scenario",
                        b.first
                    ),
                });
            }
            let block = Block {
                level: b.level,
                first: b.first,
                value: b.acc.clone(),
            };
            counter
                .push_block(block)
                .map_err(|e| MergeError::NotAPart {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
        }
    }
    let acc = counter.finish().unwrap_or_else(|| template.clone());
    if acc.customers != spec.customers {
        return Err(MergeError::Coverage {
            message: format!(
                "the parts hold {} customers, the run has {}",
                acc.customers, spec.customers
            ),
            hint: "a part file was edited or truncated; rerun its shard".into(),
        });
    }
    let mut results = RunResults::from_acc(&model, &spec, acc);
    if model.scenario.acquisition.is_some() {
        let extras = merge_extras(parts, &model, &spec, &template)?;
        attach_extras(&model, &spec, &mut results, &extras);
    }
    Ok((model, spec, results))
}

/// The acquisition's extra simulations from the parts' pieces: each funnel's whole cohort
/// through one counter, and every batch rebuilt from the pieces that fall in it.
fn merge_extras(
    parts: &[(PathBuf, Part)],
    model: &Model,
    spec: &RunSpec,
    template: &Acc,
) -> Result<Extras, MergeError> {
    let mut ordered: Vec<&(PathBuf, Part)> = parts.iter().collect();
    ordered.sort_by_key(|(_, p)| p.shard.index);
    let batched = intervals::has_intervals(spec.customers);
    // A funnel's cohort is its segment alone, so its sums have their own shape.
    let funnel_templates: Vec<Acc> = funnel_engines(model, spec)
        .iter()
        .map(|e| e.empty_acc())
        .collect();
    let n_funnels = funnel_templates.len();
    let bad = |path: &PathBuf, message: String| MergeError::NotAPart {
        path: path.clone(),
        message,
    };
    let mut run = Vec::new();
    let mut funnels: Vec<Vec<Block<Acc>>> = vec![Vec::new(); n_funnels];
    for (path, p) in &ordered {
        let Some(a) = &p.acquisition else {
            return Err(bad(
                path,
                "the scenario has an acquisition section, but the part holds none of its \
                 simulations (a part from an older cxsim?); rerun the shards"
                    .into(),
            ));
        };
        if a.funnels.len() != n_funnels || (batched && a.run.is_empty() && p.units[0] < p.units[1])
        {
            return Err(bad(
                path,
                "its acquisition pieces do not fit the scenario".into(),
            ));
        }
        run.extend(from_part_blocks(&a.run));
        for (k, f) in a.funnels.iter().enumerate() {
            funnels[k].extend(from_part_blocks(f));
        }
    }
    let unfitting_funnel = funnels
        .iter()
        .zip(&funnel_templates)
        .any(|(blocks, t)| blocks.iter().any(|b| !b.value.same_shape(t)));
    if unfitting_funnel || run.iter().any(|b| !b.value.same_shape(template)) {
        let path = ordered.first().map(|(p, _)| p.clone()).unwrap_or_default();
        return Err(bad(
            &path,
            "the sums of an acquisition piece do not fit the scenario".into(),
        ));
    }
    let unfit = || MergeError::Coverage {
        message: "the parts' acquisition pieces do not cover the run".into(),
        hint: "a part file was edited or truncated; rerun its shard".into(),
    };
    let batches_of = |pieces: &[Block<Acc>]| -> Result<Vec<Acc>, MergeError> {
        intervals::batch_ranges(spec.units())
            .into_iter()
            .map(|r| {
                let inside: Vec<Block<Acc>> = pieces
                    .iter()
                    .filter(|p| p.first >= r.start && p.units().end <= r.end)
                    .cloned()
                    .collect();
                reduce_range(r, inside).ok_or_else(unfit)
            })
            .collect()
    };
    let mut extras = Extras::default();
    for pieces in &funnels {
        let mut counter = Reducer::new(0);
        for b in pieces {
            counter.push_block(b.clone()).map_err(|_| unfit())?;
        }
        extras
            .funnels
            .push(counter.finish().unwrap_or_else(|| template.clone()));
        if batched {
            extras.funnel_batches.push(batches_of(pieces)?);
        }
    }
    if batched {
        extras.run_batches = batches_of(&run)?;
    }
    Ok(extras)
}
