//! The analysis screen's commands on the app state (the state itself is `tui::analysis`).

use super::App;
use crate::results::Metric;
use crate::tui::analysis::{
    AnalysisMsg, AnalysisRequest, Key, OBJECTIVES, Output, View, analysis_customers, cycle,
};
use crate::tui::keys::Cmd;

impl App {
    /// The key of what the analysis screen should show now.
    pub fn analysis_key(&self) -> Key {
        let a = &self.analysis;
        Key {
            generation: self.generation,
            view: a.view,
            // Deleting strategies must not leave the analysed one out of range.
            strategy: a
                .strategy
                .min(self.scenario.strategies.len().saturating_sub(1)),
            objective: a.objective,
            metric: a.metric,
        }
    }

    /// The shown view's result (possibly from an older key) and whether it is current.
    pub fn analysis_output(&self) -> Option<(&Output, bool)> {
        let key = self.analysis_key();
        self.analysis.results[self.analysis.view.index()]
            .as_ref()
            .map(|(k, o)| (o, *k == key))
    }

    /// Called after every event: asks for the shown analysis when it is missing or stale and
    /// the screen is visible; cancels a running analysis that no longer matches.
    pub fn analysis_poll(&mut self) {
        let key = self.analysis_key();
        let current = self.analysis.results[self.analysis.view.index()]
            .as_ref()
            .is_some_and(|(k, _)| *k == key);
        let on_screen = self.pane == super::Pane::Analysis;
        if self.analysis.requested.is_some_and(|r| r != key) && self.analysis.progress.is_some() {
            // An edit or a changed choice made the running analysis stale.
            self.analysis.cancel = true;
            self.analysis.progress = None;
            self.analysis.requested = None;
        }
        if !on_screen || current || self.analysis.requested == Some(key) {
            return;
        }
        if !self.problems.is_empty() {
            return; // nothing to analyse until the scenario is valid again
        }
        let Ok(model) = crate::model::validate(self.scenario.clone()) else {
            return;
        };
        self.analysis.id += 1;
        self.analysis.requested = Some(key);
        self.analysis.error = None;
        self.analysis.progress = Some((0, 0));
        self.analysis.pending = Some(AnalysisRequest {
            id: self.analysis.id,
            key,
            model,
            customers: analysis_customers(self.customers),
            seed: self.seed,
        });
    }

    /// A message from the analysis worker.
    pub fn analysis_msg(&mut self, msg: AnalysisMsg) {
        let a = &mut self.analysis;
        match msg {
            AnalysisMsg::Progress { id, done, total } if id == a.id => {
                a.progress = Some((done, total));
            }
            AnalysisMsg::Done { id, key, output } if id == a.id => {
                a.results[key.view.index()] = Some((key, output));
                a.progress = None;
                a.error = None;
            }
            AnalysisMsg::Failed { id, message } if id == a.id => {
                a.progress = None;
                a.error = Some(message);
            }
            AnalysisMsg::Cancelled { id } if id == a.id => {
                a.progress = None;
                a.requested = None;
            }
            _ => {} // an older request's answer
        }
    }

    /// Keys of the analysis screen.
    pub fn analysis_cmd(&mut self, cmd: Cmd) {
        let n_strategies = self.scenario.strategies.len().max(1);
        let a = &mut self.analysis;
        match cmd {
            Cmd::Left | Cmd::Right => {
                let i = a.view.index();
                let j = if cmd == Cmd::Right { i + 1 } else { i + 2 } % 3;
                a.view = View::ALL[j];
                a.scroll = 0;
            }
            Cmd::Up => a.scroll = a.scroll.saturating_sub(1),
            Cmd::Down => a.scroll = a.scroll.saturating_add(1),
            Cmd::AnalysisMetric => match a.view {
                View::Optimize => a.objective = cycle(&OBJECTIVES, a.objective),
                View::Sensitivity => a.metric = cycle(&Metric::ALL, a.metric),
                View::Diagnose => {
                    self.status = "the diagnosis explains churn: no metric to choose".into()
                }
            },
            Cmd::AnalysisStrategy => {
                if a.view == View::Optimize {
                    self.status =
                        "the emphasis map searches splits; other settings come from the first \
                         strategy"
                            .into();
                } else {
                    a.strategy = (a.strategy + 1) % n_strategies;
                    a.scroll = 0;
                }
            }
            Cmd::AnalysisRun => {
                // Forget the shown view's result and ask again.
                a.results[a.view.index()] = None;
                a.requested = None;
                a.error = None;
            }
            _ => {}
        }
        self.analysis.strategy = self.analysis.strategy.min(n_strategies - 1);
    }
}
