//! `sensitivity` against exact answers, and the Markdown/HTML reports with their charts.
//!
//! Geometric model (Fixed θ, no protection): retention after H periods is (1 − θ)^H, so moving
//! θ by ±δ changes it by exactly (1 − θ(1 ± δ))^H − (1 − θ)^H (checked within 4 SE of the paired
//! difference); revenue is linear in the value per period, so scaling it by (1 ± δ) changes
//! revenue by ±δ·revenue exactly on common random numbers (same customers, same lifetimes).

use std::path::Path;

use cxsim::analysis::{compare, diagnose, optimize, sensitivity};
use cxsim::report::document as report;
use cxsim::results::Metric;

use crate::common::{K_SIGMA, model, scenario};

const THETA: f64 = 0.06;
const H: usize = 18;

fn geometric() -> cxsim::model::Model {
    model(&scenario(
        H as u32,
        0.0,
        &format!(
            "value_per_period: 25.0, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
             churn_propensity: Fixed({THETA:?})"
        ),
        r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase, trigger: EveryPeriod,
               quality: 0.9, cost: 1.5)"#,
        [0.0, 0.0, 0.0],
        0.0,
    ))
}

fn row<'a>(s: &'a sensitivity::Sensitivity, path: &str) -> &'a sensitivity::SensitivityRow {
    s.rows
        .iter()
        .find(|r| r.path.to_string() == path)
        .unwrap_or_else(|| panic!("{path} missing in {:?}", s.rows))
}

#[test]
fn sensitivity_matches_exact_answers() {
    let m = geometric();
    let delta = 0.2;
    let s = sensitivity::sensitivity(
        &m,
        0,
        Metric::Retention,
        delta,
        100_000,
        8,
        None,
        &|_, _| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let theta = row(&s, "segments[*].churn_propensity");
    let base = (1.0 - THETA).powi(H as i32);
    for (p, factor) in [(&theta.low, 1.0 - delta), (&theta.high, 1.0 + delta)] {
        let exact = (1.0 - THETA * factor).powi(H as i32) - base;
        let d = p.difference;
        assert!(
            (d.mean - exact).abs() <= K_SIGMA * d.se,
            "θ×{factor}: {} (se {}) vs exact {exact}",
            d.mean,
            d.se
        );
        assert!(p.significant);
    }
    // Parameters at 0 are not perturbed; the ones present are sorted by swing.
    assert!(s.rows.iter().all(|r| r.value > 0.0));
    assert!(
        s.rows
            .iter()
            .all(|r| !r.path.to_string().starts_with("churn.protection"))
    );
    assert!(s.rows.windows(2).all(|w| w[0].swing >= w[1].swing));
    assert_eq!(s.rows[0].path.to_string(), "segments[*].churn_propensity");
    // Nothing in this model makes retention depend on quality or cost: exactly 0.
    for path in ["touchpoints[0].quality", "touchpoints[0].cost"] {
        let r = row(&s, path);
        assert_eq!((r.low.difference.mean, r.high.difference.mean), (0.0, 0.0));
    }

    let s = sensitivity::sensitivity(&m, 0, Metric::Revenue, delta, 20_000, 8, None, &|_, _| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let value = row(&s, "segments[*].value_per_period");
    let rev = s.base.mean;
    for (p, sign) in [(&value.high, 1.0), (&value.low, -1.0)] {
        let exact = sign * delta * rev;
        assert!(
            (p.difference.mean - exact).abs() <= 1e-9 * rev,
            "{} vs {exact}",
            p.difference.mean
        );
    }
}

#[test]
fn sensitivity_rejects_a_bad_delta() {
    let m = geometric();
    for delta in [0.0, 1.0, -0.1, f64::NAN] {
        assert!(
            sensitivity::sensitivity(&m, 0, Metric::Npv, delta, 100, 1, None, &|_, _| {}).is_err()
        );
    }
}

fn load(rel: &str) -> cxsim::model::Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn check_doc(doc: &report::Doc) {
    let md = doc.markdown();
    let html = doc.html();
    assert!(md.starts_with("# "), "{md}");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.ends_with("</html>\n"));
    for text in [&md, &html] {
        let open = text.matches("<svg ").count();
        assert!(open >= 1, "no chart");
        assert_eq!(open, text.matches("</svg>").count());
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
}

#[test]
fn reports_are_complete_and_byte_identical_for_the_same_inputs() {
    let m = load("tests/fixtures/analysis/dominant.ron");
    let docs = || {
        let c = compare::compare(&m, &[0, 1, 2], 0, 5_000, 3, None, &|_, _| {})
            .unwrap_or_else(|e| panic!("{e}"));
        let d =
            diagnose::diagnose(&m, 0, 5_000, 3, None, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
        let s = sensitivity::sensitivity(&m, 0, Metric::Npv, 0.1, 5_000, 3, None, &|_, _| {})
            .unwrap_or_else(|e| panic!("{e}"));
        let spec = optimize::OptimizeSpec {
            objective: optimize::Objective::Npv,
            budget: 6.0,
            customers: 3_000,
            seed: 3,
            config: optimize::SearchConfig {
                resolution: 4,
                rounds: 1,
                ..optimize::SearchConfig::default()
            },
            sweep: vec![3.0],
        };
        let o = optimize::optimize(&m, &spec, None, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
        vec![
            report::run_doc(&c.results),
            report::compare_doc(&c),
            report::diagnose_doc(&d),
            report::sensitivity_doc(&s),
            report::optimize_doc(&o),
        ]
    };
    let a = docs();
    for d in &a {
        check_doc(d);
    }
    let b = docs();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.markdown(), y.markdown());
        assert_eq!(x.html(), y.html());
    }
    // The comparison report marks the dominating strategy's NPV gain (its section comes
    // first) as significant, and the identical copy's as not.
    let md = a[1].markdown();
    let npv: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| NPV per customer"))
        .collect();
    assert_eq!(npv.len(), 2, "{md}");
    assert!(npv[0].contains("| * |"), "{}", npv[0]);
    assert!(npv[1].contains("| +0.00 [+0.00, +0.00] |  |"), "{}", npv[1]);
}
