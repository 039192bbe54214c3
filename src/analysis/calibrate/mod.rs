//! `calibrate`: ties a journey's parameters to the company's own data (docs/calibration.md).
//!
//! Two kinds of parameter are fitted by maximum likelihood, everything else held at the file's
//! values:
//! - a segment's churn propensity (`segments[g].churn_propensity`: α and β of a Beta, or a
//!   fixed θ) from cohort survival. The likelihood is exact: the shifted-beta-geometric (or
//!   geometric) closed form when the segment's hazard is θ alone, otherwise the mixture over
//!   traced journey paths (`survival`), smooth in the parameters and the same at every thread
//!   count. Intervals are profile-likelihood intervals.
//! - a touchpoint's quality (`touchpoints[i].quality`, or a segment's override
//!   `touchpoints[i].by_segment[s].quality`) from observed successes and trials: the binomial
//!   likelihood of the rate the customers met (quality after the strategy's investment),
//!   turned back into the file's base quality.
//!
//! The two are estimated in two stages: qualities first, from their own data; the paths for
//! the propensities are then traced with the fitted qualities.

pub mod optim;
pub mod survival;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::compile::invested_quality;
use crate::engine::trace::{TraceError, hazard_paths};
use crate::format::data::{Cohort, Data, RateRow};
use crate::format::path::{FieldPath, Step};
use crate::format::{Propensity, Scenario};
use crate::model::{Model, validate};
use optim::{CHI2_1_95, covariance, fit, profile_interval};
use survival::{Form, PathCurve, Prop, cohort_cells, cohort_log_lik, curve};

/// A propensity's parameter: its name, the map back from the fitted coordinate, its file value.
type Part = (&'static str, fn(f64) -> f64, f64);

pub const CALIBRATE_SCHEMA: &str = "cxsim.calibrate/1";

/// 1.959964: the two-sided 95 % normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// What to fit and how.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrateSpec {
    /// The parameters, as field paths (ids or positions).
    pub fit: Vec<FieldPath>,
    /// The strategy the data were collected under (today's operation).
    pub strategy: usize,
    /// Customers traced for journeys whose hazard is not θ alone.
    pub customers: u64,
    pub seed: u64,
    /// Fit on all but the last `holdout` periods and report the projection error on them.
    pub holdout: u32,
    /// The data files' names, for the report and the calibrated file's note.
    pub sources: Vec<String>,
}

/// A parameter the data can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Propensity(usize),
    Quality { tp: usize, segment: Option<usize> },
}

/// Why calibration could not be done: a message with a hint, as the CLI prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrateError {
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for CalibrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}\n  hint: {}", self.message, self.hint)
    }
}

fn err(message: impl Into<String>, hint: impl Into<String>) -> CalibrateError {
    CalibrateError {
        message: message.into(),
        hint: hint.into(),
    }
}

/// One fitted number with its 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Where it is written in the journey file (`segments[0].churn_propensity.alpha`).
    pub path: String,
    pub value: f64,
    /// Interval ends; `None` = not bounded by the data.
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    /// The value the file had.
    pub file_value: f64,
    /// How it was estimated.
    pub method: String,
}

/// Observed and fitted retention of a group of cohorts at one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    /// A segment id, or "all" for cohorts of every segment together.
    pub group: String,
    pub period: u32,
    /// Customers of the cohorts observed this long.
    pub customers: u64,
    pub observed: f64,
    pub observed_lo: f64,
    pub observed_hi: f64,
    pub fitted: f64,
    pub fitted_lo: f64,
    pub fitted_hi: f64,
    /// Not used by the fit (`--holdout`): a projection.
    pub held_out: bool,
}

/// Pearson's goodness of fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoodnessOfFit {
    pub statistic: f64,
    pub df: i64,
    /// `None` when there are no degrees of freedom left.
    pub p_value: Option<f64>,
    /// Cells with an expected count below 5 (the χ² approximation is rough there).
    pub small_cells: usize,
}

/// The projection error on the held-out periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holdout {
    pub periods: u32,
    /// Fitted on periods up to this one.
    pub fitted_through: u32,
    pub mean_abs_error: f64,
    pub max_abs_error: f64,
    /// Mean absolute error relative to the observed retention.
    pub mean_abs_percentage_error: f64,
}

/// One touchpoint rate as observed and as the fitted quality implies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateFit {
    pub path: String,
    pub successes: u64,
    pub trials: u64,
    /// The share observed, with its likelihood-ratio interval.
    pub observed: f64,
    pub observed_lo: f64,
    pub observed_hi: f64,
    /// The strategy's investment response u on this stage (met = q + (1 − q)·u).
    pub investment_response: f64,
    /// Rows differing more than chance allows (periods, segments pooled): χ² homogeneity.
    pub homogeneity: Option<GoodnessOfFit>,
}

/// A whole calibration: estimates, fit, checks and the calibrated journey.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub schema: &'static str,
    pub scenario: String,
    pub strategy: String,
    pub data: Vec<String>,
    pub seed: u64,
    /// Customers traced (0 when every fitted curve had its closed form).
    pub traced_customers: u64,
    pub estimates: Vec<Estimate>,
    /// Correlations of the propensity estimates (unconstrained scale), in estimate order.
    pub correlation: Vec<Vec<f64>>,
    pub log_likelihood: Option<f64>,
    pub goodness_of_fit: Option<GoodnessOfFit>,
    pub curve: Vec<CurvePoint>,
    pub holdout: Option<Holdout>,
    pub rates: Vec<RateFit>,
    /// Not-identified parameters, poor fits, pooled data.
    pub warnings: Vec<String>,
    /// The journey with the estimates written in.
    #[serde(skip)]
    pub calibrated: Scenario,
}

/// The targets a path names (`segments[*]` names every segment).
fn targets_of(s: &Scenario, path: &FieldPath) -> Result<Vec<Target>, CalibrateError> {
    let resolved = path.resolve_ids(s).map_err(|e| err(e.message, e.hint))?;
    let field = |x: &str| Step::Field(x.to_string());
    let fittable = "calibrate fits segments[ID].churn_propensity, touchpoints[ID].quality and \
                    touchpoints[ID].by_segment[SEGMENT].quality";
    let steps = resolved.steps();
    let in_range = |i: usize, n: usize, what: &str| {
        if i < n {
            Ok(i)
        } else {
            Err(err(
                format!("{path}: there is no {what} {i} (the file has {n})"),
                "count from 0, or name it by id",
            ))
        }
    };
    match steps {
        [l, Step::All, f] if *l == field("segments") && *f == field("churn_propensity") => {
            Ok((0..s.segments.len()).map(Target::Propensity).collect())
        }
        [l, Step::Index(g), f] if *l == field("segments") && *f == field("churn_propensity") => {
            Ok(vec![Target::Propensity(in_range(
                *g,
                s.segments.len(),
                "segment",
            )?)])
        }
        [l, Step::Index(_), f, _] if *l == field("segments") && *f == field("churn_propensity") => {
            Err(err(
                format!("{path}: α and β are fitted together"),
                format!("write {}", {
                    let mut p = path.to_string();
                    if let Some(k) = p.rfind('.') {
                        p.truncate(k);
                    }
                    p
                }),
            ))
        }
        [l, Step::Index(i), f] if *l == field("touchpoints") && *f == field("quality") => {
            Ok(vec![Target::Quality {
                tp: in_range(*i, s.touchpoints.len(), "touchpoint")?,
                segment: None,
            }])
        }
        [l, Step::Index(i), b, Step::Key(id), f]
            if *l == field("touchpoints")
                && *b == field("by_segment")
                && *f == field("quality") =>
        {
            let tp = in_range(*i, s.touchpoints.len(), "touchpoint")?;
            let seg = s.segments.iter().position(|x| x.id == *id).ok_or_else(|| {
                err(
                    format!("{path}: no segment \"{id}\""),
                    format!(
                        "known: {}",
                        s.segments
                            .iter()
                            .map(|x| x.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            Ok(vec![Target::Quality {
                tp,
                segment: Some(seg),
            }])
        }
        _ => Err(err(format!("cannot fit {path}"), fittable)),
    }
}

/// The unconstrained coordinates of a propensity: (ln α, ln β) or logit θ.
fn coords(p: Propensity) -> Vec<f64> {
    match p {
        Propensity::Beta { alpha, beta } => vec![alpha.ln(), beta.ln()],
        Propensity::Fixed(t) => {
            let t = t.clamp(1e-6, 1.0 - 1e-6);
            vec![(t / (1.0 - t)).ln()]
        }
    }
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn prop_of(kind: Propensity, x: &[f64]) -> Prop {
    match kind {
        Propensity::Beta { .. } => Prop::Beta {
            alpha: x[0].exp(),
            beta: x[1].exp(),
        },
        Propensity::Fixed(_) => Prop::Fixed(logistic(x[0])),
    }
}

fn prop_file(p: Propensity) -> Prop {
    match p {
        Propensity::Beta { alpha, beta } => Prop::Beta { alpha, beta },
        Propensity::Fixed(t) => Prop::Fixed(t),
    }
}

/// The cohorts' segments as indices (`None` = every segment, mixed at the file's shares).
fn cohort_segments(s: &Scenario, cohorts: &[Cohort]) -> Result<Vec<Option<usize>>, CalibrateError> {
    cohorts
        .iter()
        .map(|c| match &c.segment {
            None => Ok(None),
            Some(id) => s
                .segments
                .iter()
                .position(|g| &g.id == id)
                .map(Some)
                .ok_or_else(|| {
                    err(
                        format!(
                            "{}: cohort data for segment \"{id}\", which the journey does not have",
                            c.source.display()
                        ),
                        format!(
                            "known segments: {}",
                            s.segments
                                .iter()
                                .map(|g| g.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                }),
        })
        .collect()
}

/// Fits `spec.fit` in `model` to `data`.
pub fn calibrate(
    model: &Model,
    data: &Data,
    spec: &CalibrateSpec,
) -> Result<Calibration, CalibrateError> {
    let s = &model.scenario;
    let strategy = s
        .strategies
        .get(spec.strategy)
        .ok_or_else(|| err("no such strategy", "name one of the file's strategies"))?;
    let mut targets = Vec::new();
    for p in &spec.fit {
        for t in targets_of(s, p)? {
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
    }
    if targets.is_empty() {
        return Err(err(
            "nothing to fit",
            "name the parameters with --fit, e.g. --fit segments[0].churn_propensity",
        ));
    }
    let mut warnings = Vec::new();
    let mut calibrated = s.clone();
    let mut estimates = Vec::new();
    let mut rates = Vec::new();
    let mut notes = Vec::new();

    // Stage 1: qualities from their own data.
    for &t in &targets {
        if let Target::Quality { tp, segment } = t {
            let r = fit_quality(s, spec.strategy, tp, segment, &data.rates, &mut warnings)?;
            let base = r.1;
            notes.push(format!("{} = {:.4}", base.path, base.value));
            match segment {
                None => calibrated.touchpoints[tp].quality = base.value,
                Some(g) => {
                    let id = s.segments[g].id.clone();
                    calibrated.touchpoints[tp]
                        .by_segment
                        .entry(id)
                        .or_default()
                        .quality = Some(base.value);
                }
            }
            rates.push(r.0);
            estimates.push(base);
        }
    }

    // Stage 2: propensities from cohorts.
    let fitted: Vec<usize> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Propensity(g) => Some(*g),
            _ => None,
        })
        .collect();
    let mut log_likelihood = None;
    let mut goodness_of_fit = None;
    let mut curve_points = Vec::new();
    let mut holdout = None;
    let mut correlation: Vec<Vec<f64>> = Vec::new();
    let mut traced_customers = 0;
    if !fitted.is_empty() {
        let all_segs = cohort_segments(s, &data.cohorts)?;
        // Cohorts that carry information on a fitted segment.
        let used: Vec<(Cohort, Option<usize>)> = data
            .cohorts
            .iter()
            .cloned()
            .zip(all_segs)
            .filter(|(_, g)| g.is_none_or(|g| fitted.contains(&g)))
            .collect();
        let unused = data.cohorts.len() - used.len();
        if unused > 0 {
            warnings.push(format!(
                "{unused} cohort(s) of segments not being fitted were not used"
            ));
        }
        for &g in &fitted {
            if !used.iter().any(|(_, c)| c.is_none_or(|c| c == g)) {
                return Err(err(
                    format!(
                        "no cohort data for segment \"{}\" (segments[{g}].churn_propensity)",
                        s.segments[g].id
                    ),
                    "give a cohort table with a segment column naming it, or a customer export",
                ));
            }
        }
        let last = used.iter().map(|(c, _)| c.last_period()).max().unwrap_or(0);
        if last == 0 {
            return Err(err(
                "the cohort data hold period 0 only",
                "add the customers still active at later periods",
            ));
        }
        if last > crate::format::MAX_HORIZON {
            return Err(err(
                format!(
                    "the cohort data run to period {last}, beyond the longest horizon cxsim \
                     simulates ({})",
                    crate::format::MAX_HORIZON
                ),
                "check the period column (or, for an export, that the journey's period unit \
                 matches the dates: days over many years are too many periods)",
            ));
        }
        if spec.holdout >= last {
            return Err(err(
                format!(
                    "--holdout {} leaves no period to fit on (data end at period {last})",
                    spec.holdout
                ),
                format!("hold out at most {} periods", last - 1),
            ));
        }
        let cutoff = last - spec.holdout;
        let fit_cohorts: Vec<(Cohort, Option<usize>)> = used
            .iter()
            .map(|(c, g)| (c.truncated(cutoff), *g))
            .filter(|(c, _)| c.observed.len() > 1)
            .collect();
        let periods = last as usize;

        // Forms: trace the journey (qualities as fitted, horizon long enough for the data).
        let needed: Vec<usize> = (0..s.segments.len())
            .filter(|g| fitted.contains(g) || used.iter().any(|(_, c)| c.is_none()))
            .collect();
        let mut traced = calibrated.clone();
        traced.horizon = traced.horizon.max(last);
        let traced_model = validate(traced).map_err(|p| {
            err(
                format!(
                    "the journey with the fitted qualities does not validate: {}",
                    p.first().map_or(String::new(), |p| p.to_string())
                ),
                "check the rate data",
            )
        })?;
        let paths = hazard_paths(&traced_model, spec.strategy, spec.customers, spec.seed).map_err(
            |TraceError::AccountSegment(g)| {
                err(
                    format!(
                        "segment \"{}\" is made of accounts (several contacts each); their churn \
                         propensity cannot be calibrated yet",
                        s.segments[g].id
                    ),
                    "fit the propensities of the other segments, or remove `accounts` to fit it",
                )
            },
        )?;
        let mut forms: Vec<Option<Form>> = vec![None; s.segments.len()];
        let mut any_traced = false;
        for &g in &needed {
            let form = if paths.is_pure(g) {
                Form::Closed
            } else {
                any_traced = true;
                let ps: Vec<Vec<f64>> = (0..paths.segment.len())
                    .filter(|&i| paths.segment[i] == g)
                    .map(|i| paths.path(i).to_vec())
                    .collect();
                if ps.is_empty() {
                    return Err(err(
                        format!(
                            "no traced customer fell in segment \"{}\"",
                            s.segments[g].id
                        ),
                        "raise --customers",
                    ));
                }
                Form::Paths(PathCurve::new(ps, periods))
            };
            forms[g] = Some(form);
        }
        if any_traced {
            traced_customers = spec.customers;
        }
        let method = |g: usize| match (&forms[g], s.segments[g].churn_propensity) {
            (Some(Form::Closed), Propensity::Beta { .. }) => {
                "maximum likelihood, exact shifted-beta-geometric".to_string()
            }
            (Some(Form::Closed), Propensity::Fixed(_)) => {
                "maximum likelihood, exact geometric".into()
            }
            _ => format!(
                "maximum likelihood, exact mixture over {} traced journey paths",
                spec.customers
            ),
        };

        // The coordinates: each fitted segment's, in order.
        let mut offsets = Vec::new();
        let mut start = Vec::new();
        for &g in &fitted {
            offsets.push(start.len());
            start.extend(coords(s.segments[g].churn_propensity));
        }
        let shares: Vec<f64> = s.segments.iter().map(|g| g.share).collect();
        let curves_at = |x: &[f64]| -> Option<Vec<Option<Vec<f64>>>> {
            let mut out = vec![None; s.segments.len()];
            for &g in &needed {
                let kind = s.segments[g].churn_propensity;
                let p = match fitted.iter().position(|&f| f == g) {
                    Some(k) => prop_of(kind, &x[offsets[k]..]),
                    None => prop_file(kind),
                };
                out[g] = Some(curve(forms[g].as_ref()?, p, periods)?);
            }
            Some(out)
        };
        let mix = |curves: &[Option<Vec<f64>>], g: Option<usize>| -> Vec<f64> {
            match g {
                Some(g) => curves[g].clone().unwrap_or_default(),
                None => (0..=periods)
                    .map(|t| {
                        curves
                            .iter()
                            .zip(&shares)
                            .filter_map(|(c, w)| c.as_ref().map(|c| w * c[t]))
                            .sum()
                    })
                    .collect(),
            }
        };
        let ll = |x: &[f64]| -> f64 {
            let Some(curves) = curves_at(x) else {
                return f64::NEG_INFINITY;
            };
            fit_cohorts
                .iter()
                .map(|(c, g)| cohort_log_lik(c, &mix(&curves, *g)))
                .sum()
        };
        let (best, max) = fit(&ll, &start);
        if !max.is_finite() {
            return Err(err(
                "the data have no chance under any propensity tried",
                "check the cohort tables (a cohort losing every customer at once?)",
            ));
        }
        log_likelihood = Some(max);
        let cov = covariance(&ll, &best);
        if cov.is_none() {
            warnings.push(
                "the likelihood is flat or saddle-shaped at the estimate: the data do not \
                 identify every parameter (no standard errors or bands)"
                    .into(),
            );
        }
        // Estimates with profile intervals, on the file's scale.
        let mut names = Vec::new();
        for (k, &g) in fitted.iter().enumerate() {
            let base = format!("segments[{g}].churn_propensity");
            let kind = s.segments[g].churn_propensity;
            let parts: Vec<Part> = match kind {
                Propensity::Beta { alpha, beta } => {
                    vec![("alpha", f64::exp, alpha), ("beta", f64::exp, beta)]
                }
                Propensity::Fixed(t) => vec![("theta", logistic, t)],
            };
            for (j, (name, back, file_value)) in parts.into_iter().enumerate() {
                let i = offsets[k] + j;
                let (lo, hi) = profile_interval(&ll, &best, max, i);
                let path = format!("{base}.{name}");
                if lo.is_none() || hi.is_none() {
                    warnings.push(format!(
                        "{path} is not identified by the data: the likelihood stays within the \
                         95 % threshold out to {} (no {} bound)",
                        if lo.is_none() {
                            "very small values"
                        } else {
                            "very large values"
                        },
                        if lo.is_none() { "lower" } else { "upper" }
                    ));
                }
                let both_large = matches!(kind, Propensity::Beta { .. })
                    && best[offsets[k]] > 9.0
                    && best[offsets[k] + 1] > 9.0;
                if both_large && j == 0 {
                    let (a, b) = (best[offsets[k]].exp(), best[offsets[k] + 1].exp());
                    warnings.push(format!(
                        "{base}: the data show no sign of customers differing in propensity: α \
                         and β grow together without bound and only the mean θ = {:.5} is \
                         pinned down (consider Fixed({:.5}))",
                        a / (a + b),
                        a / (a + b)
                    ));
                } else if best[i].abs() > 9.0 && !both_large {
                    warnings.push(format!(
                        "{path} ran to the edge of its range ({:.3e}): the journey cannot \
                         reproduce these data with any propensity (wrong period unit, or a \
                         churn model that protects too much?)",
                        back(best[i])
                    ));
                }
                estimates.push(Estimate {
                    path: path.clone(),
                    value: back(best[i]),
                    lo: lo.map(back),
                    hi: hi.map(back),
                    file_value,
                    method: method(g),
                });
                names.push(path);
            }
            calibrated.segments[g].churn_propensity = match prop_of(kind, &best[offsets[k]..]) {
                Prop::Beta { alpha, beta } => Propensity::Beta { alpha, beta },
                Prop::Fixed(t) => Propensity::Fixed(t),
            };
            notes.push(format!(
                "{base} = {} ({})",
                show_propensity(calibrated.segments[g].churn_propensity),
                method(g)
            ));
        }
        if let Some(cov) = &cov {
            correlation = (0..cov.len())
                .map(|i| {
                    (0..cov.len())
                        .map(|j| cov[i][j] / (cov[i][i] * cov[j][j]).sqrt())
                        .collect()
                })
                .collect();
            for i in 0..cov.len() {
                for j in i + 1..cov.len() {
                    if correlation[i][j].abs() > 0.97 {
                        warnings.push(format!(
                            "{} and {} are strongly correlated ({:.2}): the data pin down a \
                             combination of them better than each",
                            names[i], names[j], correlation[i][j]
                        ));
                    }
                }
            }
        }

        // Goodness of fit over the fitted cells.
        let curves = curves_at(&best).unwrap_or_default();
        let mut stat = 0.0;
        let mut cells = 0i64;
        let mut small = 0;
        for (c, g) in &fit_cohorts {
            for (o, e) in cohort_cells(c, &mix(&curves, *g)) {
                cells += 1;
                if e < 5.0 {
                    small += 1;
                }
                if e > 0.0 {
                    stat += (o - e) * (o - e) / e;
                }
            }
        }
        let df = cells - fit_cohorts.len() as i64 - best.len() as i64;
        let p_value = (df > 0).then(|| {
            statrs::function::gamma::checked_gamma_ur(df as f64 / 2.0, stat / 2.0)
                .unwrap_or(f64::NAN)
        });
        if let Some(p) = p_value
            && p < 0.05
        {
            warnings.push(format!(
                "the fitted curve departs from the data more than chance explains (χ² = {stat:.1}, \
                 df {df}, p = {p:.3}): the journey's churn model may miss something the data show"
            ));
        }
        goodness_of_fit = Some(GoodnessOfFit {
            statistic: stat,
            df,
            p_value,
            small_cells: small,
        });

        // Observed vs fitted per group and period, with bands by the delta method.
        let mut groups: BTreeMap<Option<usize>, Vec<&Cohort>> = BTreeMap::new();
        for (c, g) in &used {
            groups.entry(*g).or_default().push(c);
        }
        let mut errors = Vec::new();
        for (g, cs) in &groups {
            let name = g.map_or("all".to_string(), |g| s.segments[g].id.clone());
            let fitted_curve = mix(&curves, *g);
            let grad: Vec<Vec<f64>> = (0..best.len())
                .map(|i| {
                    let h = 1e-5;
                    let mut a = best.clone();
                    let mut b = best.clone();
                    a[i] += h;
                    b[i] -= h;
                    let (ca, cb) = (
                        curves_at(&a).unwrap_or_default(),
                        curves_at(&b).unwrap_or_default(),
                    );
                    let (sa, sb) = (mix(&ca, *g), mix(&cb, *g));
                    (0..=periods).map(|t| (sa[t] - sb[t]) / (2.0 * h)).collect()
                })
                .collect();
            for t in 0..=last {
                let (mut n, mut a) = (0u64, 0u64);
                for c in cs {
                    if let Some(&(_, act)) = c.observed.iter().find(|o| o.0 == t) {
                        n += c.size();
                        a += act;
                    }
                }
                if n == 0 {
                    continue;
                }
                let obs = a as f64 / n as f64;
                let (olo, ohi) = wilson(a, n);
                let f = fitted_curve[t as usize];
                let var = cov.as_ref().map_or(0.0, |cov| {
                    let mut v = 0.0;
                    for i in 0..best.len() {
                        for j in 0..best.len() {
                            v += grad[i][t as usize] * cov[i][j] * grad[j][t as usize];
                        }
                    }
                    v.max(0.0)
                });
                let se = var.sqrt();
                let held_out = t > cutoff;
                if held_out {
                    errors.push((f - obs, obs));
                }
                curve_points.push(CurvePoint {
                    group: name.clone(),
                    period: t,
                    customers: n,
                    observed: obs,
                    observed_lo: olo,
                    observed_hi: ohi,
                    fitted: f,
                    fitted_lo: (f - Z95 * se).max(0.0),
                    fitted_hi: (f + Z95 * se).min(1.0),
                    held_out,
                });
            }
        }
        if spec.holdout > 0 && !errors.is_empty() {
            let n = errors.len() as f64;
            holdout = Some(Holdout {
                periods: spec.holdout,
                fitted_through: cutoff,
                mean_abs_error: errors.iter().map(|e| e.0.abs()).sum::<f64>() / n,
                max_abs_error: errors.iter().map(|e| e.0.abs()).fold(0.0, f64::max),
                mean_abs_percentage_error: errors
                    .iter()
                    .filter(|e| e.1 > 0.0)
                    .map(|e| (e.0 / e.1).abs())
                    .sum::<f64>()
                    / n,
            });
        }
    }

    let sources = spec.sources.join(", ");
    let note = format!(
        "Calibrated by cxsim calibrate from {sources} (strategy \"{}\"): {}.",
        strategy.name,
        notes.join("; ")
    );
    calibrated.notes = if calibrated.notes.trim().is_empty() {
        note
    } else {
        format!("{}\n{note}", calibrated.notes.trim_end())
    };
    Ok(Calibration {
        schema: CALIBRATE_SCHEMA,
        scenario: s.name.clone(),
        strategy: strategy.name.clone(),
        data: spec.sources.clone(),
        seed: spec.seed,
        traced_customers,
        estimates,
        correlation,
        log_likelihood,
        goodness_of_fit,
        curve: curve_points,
        holdout,
        rates,
        warnings,
        calibrated,
    })
}

fn show_propensity(p: Propensity) -> String {
    match p {
        Propensity::Beta { alpha, beta } => format!("Beta(alpha: {alpha:.4}, beta: {beta:.4})"),
        Propensity::Fixed(t) => format!("Fixed({t:.5})"),
    }
}

/// The Wilson 95 % interval of a share a/n.
fn wilson(a: u64, n: u64) -> (f64, f64) {
    let (a, n) = (a as f64, n as f64);
    let p = a / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The binomial log-likelihood of s successes in n at rate r.
fn binom_ll(s: f64, n: f64, r: f64) -> f64 {
    let a = if s > 0.0 { s * r.ln() } else { 0.0 };
    let b = if n - s > 0.0 {
        (n - s) * (1.0 - r).ln()
    } else {
        0.0
    };
    a + b
}

/// The likelihood-ratio 95 % interval of a binomial rate (exact root search by bisection).
fn rate_interval(s: f64, n: f64) -> (f64, f64) {
    let r = s / n;
    let max = binom_ll(s, n, r);
    let dev = |x: f64| 2.0 * (max - binom_ll(s, n, x)) - CHI2_1_95;
    let root = |mut inside: f64, mut outside: f64| {
        for _ in 0..200 {
            let mid = 0.5 * (inside + outside);
            if dev(mid) > 0.0 {
                outside = mid;
            } else {
                inside = mid;
            }
        }
        0.5 * (inside + outside)
    };
    let lo = if s == 0.0 { 0.0 } else { root(r, 0.0) };
    let hi = if s == n { 1.0 } else { root(r, 1.0) };
    (lo, hi)
}

/// Fits one quality from the rate rows of its touchpoint.
fn fit_quality(
    s: &Scenario,
    strategy: usize,
    tp: usize,
    segment: Option<usize>,
    rows: &[RateRow],
    warnings: &mut Vec<String>,
) -> Result<(RateFit, Estimate), CalibrateError> {
    let t = &s.touchpoints[tp];
    if s.organisation.is_some() {
        return Err(err(
            format!(
                "touchpoints[{}].quality: under an organisation the quality customers meet \
                 also depends on the teams' engagement, which calibrate cannot undo yet",
                t.id
            ),
            "fit churn propensities only, or calibrate a copy without the organisation",
        ));
    }
    for r in rows {
        if !s.touchpoints.iter().any(|x| x.id == r.touchpoint) {
            return Err(err(
                format!(
                    "{}:{}: no touchpoint \"{}\" in the journey",
                    r.source.display(),
                    r.line,
                    r.touchpoint
                ),
                format!(
                    "known: {}",
                    s.touchpoints
                        .iter()
                        .map(|x| x.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let mine: Vec<&RateRow> = rows.iter().filter(|r| r.touchpoint == t.id).collect();
    let (path, chosen): (String, Vec<&RateRow>) = match segment {
        Some(g) => {
            let id = &s.segments[g].id;
            (
                format!("touchpoints[{}].by_segment[{id}].quality", t.id),
                mine.iter()
                    .copied()
                    .filter(|r| r.segment.as_deref() == Some(id))
                    .collect(),
            )
        }
        None => {
            let plain: Vec<&RateRow> = mine
                .iter()
                .copied()
                .filter(|r| r.segment.is_none())
                .collect();
            if plain.is_empty() && !mine.is_empty() {
                warnings.push(format!(
                    "touchpoints[{}].quality: the rows name segments; pooled over them (fit \
                     touchpoints[{}].by_segment[ID].quality for one segment's own)",
                    t.id, t.id
                ));
                (format!("touchpoints[{}].quality", t.id), mine)
            } else {
                (format!("touchpoints[{}].quality", t.id), plain)
            }
        }
    };
    let (succ, trials) = chosen
        .iter()
        .fold((0u64, 0u64), |a, r| (a.0 + r.successes, a.1 + r.trials));
    if trials == 0 {
        return Err(err(
            format!("{path}: no rate data (successes, trials) for it"),
            format!(
                "add rows `{},SUCCESSES,TRIALS` to a touchpoint-rate file",
                t.id
            ),
        ));
    }
    let (sf, nf) = (succ as f64, trials as f64);
    let observed = sf / nf;
    let (lo, hi) = rate_interval(sf, nf);
    let st = &s.strategies[strategy];
    let b = st.budget * st.emphasis.get(t.stage);
    // The response u: quality met = q + (1 − q)·u, so q = (met − u)/(1 − u).
    let u = invested_quality(
        0.0,
        b,
        s.investment.max_uplift,
        s.investment.half_saturation,
    );
    let base = |m: f64| {
        if u >= 1.0 {
            m
        } else {
            ((m - u) / (1.0 - u)).clamp(0.0, 1.0)
        }
    };
    if observed < u {
        warnings.push(format!(
            "{path}: the observed rate {observed:.3} is below what the strategy's investment \
             alone gives ({u:.3}); the base quality is set to 0"
        ));
    }
    let homogeneity = (chosen.len() > 1).then(|| {
        let stat: f64 = chosen
            .iter()
            .map(|r| {
                let e = r.trials as f64 * observed;
                let v = e * (1.0 - observed);
                if v > 0.0 {
                    (r.successes as f64 - e).powi(2) / v
                } else {
                    0.0
                }
            })
            .sum();
        let df = chosen.len() as i64 - 1;
        let p = statrs::function::gamma::checked_gamma_ur(df as f64 / 2.0, stat / 2.0).ok();
        GoodnessOfFit {
            statistic: stat,
            df,
            p_value: p,
            small_cells: chosen
                .iter()
                .filter(|r| (r.trials as f64) * observed.min(1.0 - observed) < 5.0)
                .count(),
        }
    });
    if let Some(GoodnessOfFit {
        p_value: Some(p), ..
    }) = &homogeneity
        && *p < 0.05
    {
        warnings.push(format!(
            "{path}: the rows differ more than chance explains (p = {p:.3}); one quality for \
             all of them is a simplification"
        ));
    }
    let file_value = match segment {
        Some(g) => t
            .by_segment
            .get(&s.segments[g].id)
            .and_then(|o| o.quality)
            .unwrap_or(t.quality),
        None => t.quality,
    };
    Ok((
        RateFit {
            path: path.clone(),
            successes: succ,
            trials,
            observed,
            observed_lo: lo,
            observed_hi: hi,
            investment_response: u,
            homogeneity,
        },
        Estimate {
            path,
            value: base(observed),
            lo: Some(base(lo)),
            hi: Some(base(hi)),
            file_value,
            method: "maximum likelihood, binomial (likelihood-ratio interval)".into(),
        },
    ))
}
