//! `cxsim check [PATHS…] [--junit PATH] [--github] [--update-baseline]`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, exit};
use crate::analysis::check::{
    Expectations, ScenarioCheck, Sidecar, baseline_json, baseline_path, compare_baseline, evaluate,
    is_sidecar, make_baseline, parse_baseline, parse_sidecar, scenario_of_sidecar, sidecar_path,
};
use crate::engine::RunSpec;
use crate::fmt::group_thousands;
use crate::format::error::LoadError;
use crate::format::parse::read_text;
use crate::model::load::load_str;
use crate::report::check::{github_annotation, junit_xml};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files or directories (every `*.ron` in them that is not a `*.expect.ron`).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Also write a JUnit XML report here (one testcase per expectation and baseline metric;
    /// `-`: stdout, the summary then goes to stderr).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Print GitHub Actions annotations (`::error file=…,line=…::…`) for failures.
    #[arg(long)]
    pub github: bool,
    /// Write `NAME.baseline.json` from this run instead of comparing with it.
    #[arg(long)]
    pub update_baseline: bool,
}

/// The scenario files named by the arguments, in order, without repeats.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out: Vec<PathBuf> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| {
                CliError::Io(format!("{}: cannot list directory: {e}", p.display()))
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| {
                    f.is_file() && f.extension().is_some_and(|x| x == "ron") && !is_sidecar(f)
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(CliError::Usage(format!(
                    "error: {} holds no scenario files (*.ron)",
                    p.display()
                )));
            }
            out.extend(found);
        } else if is_sidecar(p) {
            out.push(scenario_of_sidecar(p));
        } else {
            out.push(p.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    Ok(out)
}

fn load_error_location(e: &LoadError) -> (PathBuf, usize) {
    match e {
        LoadError::Parse { path, .. }
        | LoadError::Invalid { path, .. }
        | LoadError::Io { path, .. } => (path.clone(), e.line()),
    }
}

/// Checks one scenario; never fails as a whole (input problems are recorded in `errors`).
fn check_one(scenario: &Path, update_baseline: bool) -> ScenarioCheck {
    let mut c = ScenarioCheck {
        scenario: scenario.to_path_buf(),
        verdicts: Vec::new(),
        errors: Vec::new(),
        customers: 0,
        seed: 0,
        expectations: 0,
        baseline_metrics: 0,
        baseline_written: None,
    };
    let error = |c: &mut ScenarioCheck, e: &LoadError| {
        let (file, line) = load_error_location(e);
        c.errors.push((file, line, e.to_string()));
    };
    let text = match read_text(scenario) {
        Ok(t) => t,
        Err(e) => {
            error(&mut c, &e);
            return c;
        }
    };
    let model = match load_str(scenario, &text) {
        Ok(m) => m,
        Err(e) => {
            error(&mut c, &e);
            return c;
        }
    };
    let sidecar_file = sidecar_path(scenario);
    let sidecar: Option<Sidecar> = if sidecar_file.exists() {
        match read_text(&sidecar_file) {
            Ok(t) => match parse_sidecar(&sidecar_file, &t, &model) {
                Ok(s) => Some(s),
                Err(errs) => {
                    for e in &errs {
                        error(&mut c, e);
                    }
                    return c;
                }
            },
            Err(e) => {
                error(&mut c, &e);
                return c;
            }
        }
    } else {
        None
    };
    let baseline_file = baseline_path(scenario);
    let baseline = if !update_baseline && baseline_file.exists() {
        match read_text(&baseline_file).and_then(|t| parse_baseline(&baseline_file, &t)) {
            Ok(b) => Some(b),
            Err(e) => {
                error(&mut c, &e);
                return c;
            }
        }
    } else {
        None
    };
    if sidecar.is_none() && baseline.is_none() && !update_baseline {
        return c;
    }
    // The sidecar sets customers and seed; without one, the baseline's; else the defaults.
    let settings = match (&sidecar, &baseline) {
        (Some(s), _) => s.settings.clone(),
        (None, Some((b, _))) => Expectations {
            customers: b.customers,
            seed: b.seed,
            ..Expectations::default()
        },
        (None, None) => Expectations::default(),
    };
    c.customers = settings.customers;
    c.seed = settings.seed;
    let spec = RunSpec::all_strategies(&model, settings.customers, settings.seed);
    let results = crate::run::simulate(&model, &spec);
    if let Some(s) = &sidecar {
        c.verdicts.extend(evaluate(s, &model, &results));
        c.expectations = s.items.len();
    }
    if update_baseline {
        let b = make_baseline(&results, &text);
        match crate::fsutil::write_atomic(&baseline_file, baseline_json(&b).as_bytes()) {
            Ok(()) => c.baseline_written = Some(baseline_file.clone()),
            Err(e) => c.errors.push((
                baseline_file.clone(),
                1,
                format!("{}: error: cannot write: {e}", baseline_file.display()),
            )),
        }
    } else if let Some((b, lines)) = &baseline {
        c.verdicts.extend(compare_baseline(
            &baseline_file,
            b,
            lines,
            &results,
            settings.baseline_tolerance,
        ));
        c.baseline_metrics = b.metrics.len();
    }
    c
}

/// The one-line summary of a scenario.
fn summary(c: &ScenarioCheck) -> String {
    let name = c.scenario.display();
    if !c.errors.is_empty() {
        return format!("ERROR {name}: invalid input, nothing checked");
    }
    if c.expectations == 0 && c.baseline_metrics == 0 && c.baseline_written.is_none() {
        return format!(
            "OK    {name}: valid; no expectations ({}) or baseline to check",
            sidecar_path(&c.scenario).display()
        );
    }
    let exp_failed = c.verdicts[..c.expectations]
        .iter()
        .filter(|v| !v.passed)
        .count();
    let base_failed = c.failures() - exp_failed;
    let mut parts = Vec::new();
    if c.expectations > 0 {
        parts.push(format!(
            "{}/{} expectations hold",
            c.expectations - exp_failed,
            c.expectations
        ));
    }
    if c.baseline_metrics > 0 {
        parts.push(format!(
            "{}/{} baseline metrics within tolerance",
            c.baseline_metrics - base_failed,
            c.baseline_metrics
        ));
    }
    if let Some(p) = &c.baseline_written {
        parts.push(format!("baseline written to {}", p.display()));
    }
    format!(
        "{} {name}: {} ({} customers, seed {})",
        if c.failures() > 0 { "FAIL " } else { "PASS " },
        parts.join(", "),
        group_thousands(c.customers),
        c.seed
    )
}

pub fn cmd_check(args: &CheckArgs) -> Result<u8, CliError> {
    let files = scenario_files(&args.paths)?;
    let inputs: Vec<PathBuf> = files
        .iter()
        .flat_map(|f| [f.clone(), sidecar_path(f), baseline_path(f)])
        .collect();
    super::refuse_input_as_output(
        "--junit",
        args.junit.as_deref(),
        inputs.iter().map(PathBuf::as_path),
    )?;
    // `--junit -` makes stdout the XML document: the human summary moves to stderr.
    let junit_to_stdout = args.junit.as_deref().is_some_and(super::is_stdout);
    let say = |text: &str| {
        if junit_to_stdout {
            eprint!("{text}");
            Ok(())
        } else {
            super::print(text)
        }
    };
    let mut checks = Vec::with_capacity(files.len());
    for f in &files {
        let c = check_one(f, args.update_baseline);
        for (_, _, e) in &c.errors {
            eprintln!("{e}");
        }
        let mut block = summary(&c);
        block.push('\n');
        for v in c.verdicts.iter().filter(|v| !v.passed) {
            block.push_str(&format!(
                "      {}:{}: {}\n        {}\n",
                v.file.display(),
                v.line,
                v.name,
                v.detail
            ));
        }
        if args.github {
            for v in c.verdicts.iter().filter(|v| !v.passed) {
                block.push_str(&github_annotation(&v.file, v.line, &v.name, &v.detail));
                block.push('\n');
            }
            for (file, line, e) in &c.errors {
                block.push_str(&github_annotation(file, *line, "invalid file", e));
                block.push('\n');
            }
        }
        // Print as each scenario finishes: a CI log shows progress.
        say(&block)?;
        checks.push(c);
    }
    let failed = checks
        .iter()
        .filter(|c| c.errors.is_empty() && c.failures() > 0)
        .count();
    let invalid = checks.iter().filter(|c| !c.errors.is_empty()).count();
    let passed = checks.len() - failed - invalid;
    say(&format!(
        "check: {passed} passed, {failed} failed, {invalid} invalid\n"
    ))?;
    if let Some(path) = &args.junit {
        super::emit(&junit_xml(&checks), Some(path))?;
    }
    let io = checks.iter().any(|c| {
        c.errors
            .iter()
            .any(|(_, _, e)| e.contains("cannot read file") || e.contains("cannot write"))
    });
    Ok(if io {
        exit::IO
    } else if invalid > 0 {
        exit::INVALID_SCENARIO
    } else if failed > 0 {
        exit::CHECK_FAILED
    } else {
        exit::OK
    })
}

/// `cxsim validate NAME.expect.ron`: parses the sidecar against its scenario; returns the exit
/// code (0, 3 or 4) after printing the verdict.
pub fn validate_sidecar(sidecar: &Path) -> Result<u8, CliError> {
    let scenario = scenario_of_sidecar(sidecar);
    let result = read_text(&scenario)
        .and_then(|t| load_str(&scenario, &t))
        .map_err(|e| vec![e])
        .and_then(|model| {
            let text = read_text(sidecar).map_err(|e| vec![e])?;
            parse_sidecar(sidecar, &text, &model)
        });
    match result {
        Ok(s) => {
            super::print(&format!(
                "{}: ok ({} expectations for {})\n",
                sidecar.display(),
                s.items.len(),
                scenario.display()
            ))?;
            Ok(exit::OK)
        }
        Err(errs) => {
            for e in &errs {
                eprintln!("{e}");
            }
            Ok(if errs.iter().any(LoadError::is_io) {
                exit::IO
            } else {
                exit::INVALID_SCENARIO
            })
        }
    }
}
