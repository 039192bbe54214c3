//! The app state: plain structs, changed only by `App::apply` (actions) and
//! `App::handle_event` (in `input`: events turned into actions through the key table).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crossterm::event::{KeyEvent, MouseEvent};

use super::fields::{self, Field, Kind, Obj, Value};
use super::files;
use super::keys::{Cmd, Ctx};
use super::worker::{DEFAULT_CUSTOMERS, Phase, Request, WorkerMsg};
use crate::format::error::Problem;
use crate::format::{
    Effects, Emphasis, Propensity, Scenario, Segment, Stage, Strategy, Touchpoint, TriadLevels,
    Trigger,
};
use crate::model::validate;
use crate::results::RunResults;

/// The analysis screen's commands.
mod analysis;

/// Everything that can happen to the app: one enum, one loop.
#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick,
    Worker(WorkerMsg),
    /// From the analysis screen's worker (issue 8).
    Analysis(super::analysis::AnalysisMsg),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Map,
    Inspector,
    Strategies,
    Dashboard,
    Analysis,
}

impl Screen {
    pub const ALL: [Screen; 5] = [
        Screen::Map,
        Screen::Inspector,
        Screen::Strategies,
        Screen::Dashboard,
        Screen::Analysis,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Screen::Map => "Journey map",
            Screen::Inspector => "Inspector",
            Screen::Strategies => "Strategies",
            Screen::Dashboard => "Dashboard",
            Screen::Analysis => "Analysis",
        }
    }
}

/// The focusable panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Map,
    InspList,
    InspForm,
    Strategies,
    Dashboard,
    Analysis,
}

pub const PANES: [Pane; 6] = [
    Pane::Map,
    Pane::InspList,
    Pane::InspForm,
    Pane::Strategies,
    Pane::Dashboard,
    Pane::Analysis,
];

impl Pane {
    pub fn screen(self) -> Screen {
        match self {
            Pane::Map => Screen::Map,
            Pane::InspList | Pane::InspForm => Screen::Inspector,
            Pane::Strategies => Screen::Strategies,
            Pane::Dashboard => Screen::Dashboard,
            Pane::Analysis => Screen::Analysis,
        }
    }
}

/// What a text input edits.
#[derive(Debug, Clone, PartialEq)]
pub enum EditTarget {
    Field {
        obj: Obj,
        field: usize,
    },
    StrategyName(usize),
    /// Emphasis k (0..3, typed in percent) or budget (3) of a strategy.
    StrategyValue {
        strategy: usize,
        row: usize,
    },
    SaveAs {
        then_quit: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    pub target: EditTarget,
    pub buffer: String,
    /// Insertion point, in characters from the start of `buffer` (0..=char count).
    pub cursor: usize,
    /// Live feedback while typing: the parse error or the validation problem it would cause.
    pub check: Option<String>,
}

/// Cursor movement inside the value being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caret {
    Left,
    Right,
    Home,
    End,
}

impl Editor {
    pub fn new(target: EditTarget, buffer: String) -> Editor {
        let cursor = buffer.chars().count();
        Editor {
            target,
            buffer,
            cursor,
            check: None,
        }
    }

    /// Byte offset of the cursor in `buffer`.
    fn byte_at(&self, chars: usize) -> usize {
        self.buffer
            .char_indices()
            .nth(chars)
            .map_or(self.buffer.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.buffer.insert(at, c);
        self.cursor += 1;
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.buffer.remove(at);
        }
    }

    /// Deletes the character under the cursor.
    pub fn delete(&mut self) {
        if self.cursor < self.buffer.chars().count() {
            let at = self.byte_at(self.cursor);
            self.buffer.remove(at);
        }
    }

    pub fn move_caret(&mut self, to: Caret) {
        let len = self.buffer.chars().count();
        self.cursor = match to {
            Caret::Left => self.cursor.saturating_sub(1),
            Caret::Right => (self.cursor + 1).min(len),
            Caret::Home => 0,
            Caret::End => len,
        };
    }

    /// The value as shown while typing, with `▏` at the cursor.
    pub fn shown(&self) -> String {
        let at = self.byte_at(self.cursor);
        format!("{}▏{}", &self.buffer[..at], &self.buffer[at..])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    ConfirmDelete(Obj),
    /// Removing a funnel, contact role or escalation policy from the inspector form.
    ConfirmRemoveItem(fields::Item),
    Quit,
    Reload,
    Recovery {
        path: PathBuf,
        scenario: Box<Scenario>,
    },
    CommentsWarning {
        then_quit: bool,
    },
    Message(String),
}

/// Something the app does; screens and events produce these.
#[derive(Debug, Clone)]
pub enum Action {
    Cmd(Cmd),
    Focus(Pane),
    SelectCard {
        lane: usize,
        pos: usize,
    },
    /// Opens the scenario settings' form at the first field whose validation path starts with
    /// this (a click on a funnel or escalation lane card).
    OpenFields(String),
    SelectObject(usize),
    SelectField(usize),
    SelectStrategyRow {
        strategy: usize,
        row: usize,
    },
    SelectDashStrategy(usize),
    Type(char),
    Backspace,
    Worker(WorkerMsg),
    Resize(u16, u16),
    Tick,
}

/// The simulation state shown in the status line and the dashboard.
#[derive(Debug, Clone, Default)]
pub struct SimState {
    pub results: Option<RunResults>,
    /// The generation and phase the shown results belong to.
    pub results_generation: u64,
    pub results_phase: Option<Phase>,
    pub progress: Option<(Phase, u64, u64)>,
    pub error: Option<String>,
}

pub struct App {
    pub scenario: Scenario,
    /// What was last loaded or saved, for the dirty marker.
    pub saved: Scenario,
    /// None for the built-in example.
    pub path: Option<PathBuf>,
    pub display_name: String,
    pub undo: Vec<Scenario>,
    pub redo: Vec<Scenario>,
    pub problems: Vec<Problem>,
    pub pane: Pane,
    pub map_lane: usize,
    pub map_pos: usize,
    pub insp_obj: usize,
    pub insp_field: usize,
    pub strat_sel: usize,
    pub strat_row: usize,
    pub dash_sel: usize,
    /// The segment the dashboard shows (file order); `None`: all customers.
    pub dash_segment: Option<usize>,
    pub baseline: usize,
    pub editor: Option<Editor>,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub help_scroll: u16,
    pub status: String,
    pub color: bool,
    pub customers: u64,
    pub seed: u64,
    pub generation: u64,
    pub sim: SimState,
    /// The strategy-analysis screen (src/tui/analysis.rs).
    pub analysis: super::analysis::AnalysisState,
    /// A request for the worker, taken by the loop.
    pub pending: Option<Request>,
    /// The loop should cancel the running simulation (the scenario became invalid).
    pub cancel_running: bool,
    pub had_comments: bool,
    pub comments_warned: bool,
    pub file_mtime: Option<SystemTime>,
    pub size: (u16, u16),
    pub should_quit: bool,
}

const UNDO_LIMIT: usize = 500;

impl App {
    /// A new app on a scenario. `path` None means the built-in example.
    pub fn new(scenario: Scenario, path: Option<PathBuf>, had_comments: bool) -> App {
        let display_name = path
            .as_ref()
            .map_or(crate::BUILTIN_EXAMPLE_NAME.to_string(), |p| {
                p.display().to_string()
            });
        let file_mtime = path.as_deref().and_then(files::mtime);
        let mut app = App {
            saved: scenario.clone(),
            scenario,
            path,
            display_name,
            undo: Vec::new(),
            redo: Vec::new(),
            problems: Vec::new(),
            pane: Pane::Map,
            map_lane: 0,
            map_pos: 0,
            insp_obj: 0,
            insp_field: 0,
            strat_sel: 0,
            strat_row: 0,
            dash_sel: 0,
            dash_segment: None,
            baseline: 0,
            editor: None,
            dialog: None,
            help: false,
            help_scroll: 0,
            status: String::new(),
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            customers: DEFAULT_CUSTOMERS,
            seed: 1,
            generation: 0,
            sim: SimState::default(),
            analysis: Default::default(),
            pending: None,
            cancel_running: false,
            had_comments,
            comments_warned: false,
            file_mtime,
            size: (80, 24),
            should_quit: false,
        };
        // Start in the first lane that has a card.
        if let Some(l) = (0..3).find(|&l| !app.lane(l).is_empty()) {
            app.map_lane = l;
        }
        app.scenario_changed();
        app
    }

    pub fn dirty(&self) -> bool {
        self.scenario != self.saved
    }

    pub fn screen(&self) -> Screen {
        self.pane.screen()
    }

    /// The key context right now.
    pub fn ctx(&self) -> Ctx {
        if self.editor.is_some() {
            Ctx::Editing
        } else if self.dialog.is_some() {
            Ctx::Dialog
        } else {
            match self.pane {
                Pane::Map => Ctx::Map,
                Pane::InspList => Ctx::InspectorList,
                Pane::InspForm => Ctx::InspectorForm,
                Pane::Strategies => Ctx::Strategies,
                Pane::Dashboard => Ctx::Dashboard,
                Pane::Analysis => Ctx::Analysis,
            }
        }
    }

    // ----- selection helpers -----

    /// Touchpoint indices of a lane (stage), in file order.
    pub fn lane(&self, lane: usize) -> Vec<usize> {
        let stage = Stage::ALL[lane.min(2)];
        self.scenario
            .touchpoints
            .iter()
            .enumerate()
            .filter(|(_, t)| t.stage == stage)
            .map(|(i, _)| i)
            .collect()
    }

    pub fn selected_touchpoint(&self) -> Option<usize> {
        self.lane(self.map_lane).get(self.map_pos).copied()
    }

    fn select_touchpoint(&mut self, i: usize) {
        if let Some(t) = self.scenario.touchpoints.get(i) {
            self.map_lane = t.stage.index();
            self.map_pos = self
                .lane(self.map_lane)
                .iter()
                .position(|&j| j == i)
                .unwrap_or(0);
            if let Some(o) = Obj::all(&self.scenario)
                .iter()
                .position(|o| *o == Obj::Touchpoint(i))
            {
                self.insp_obj = o;
            }
        }
    }

    pub fn objects(&self) -> Vec<Obj> {
        Obj::all(&self.scenario)
    }

    pub fn current_obj(&self) -> Obj {
        self.objects()
            .get(self.insp_obj)
            .copied()
            .unwrap_or(Obj::Settings)
    }

    pub fn current_fields(&self) -> Vec<Field> {
        fields::fields(&self.scenario, self.current_obj())
    }

    /// Problems reported at this path or at an element of it (`path[j]`: a list the field
    /// edits as a whole, such as a role's `meets`).
    pub fn problems_at(&self, path: &str) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| {
                // Only a whole element, `path[j]`: `on_failure[k].probability` belongs to a
                // field of its own.
                p.path == path
                    || p.path
                        .strip_prefix(path)
                        .and_then(|rest| rest.strip_prefix('['))
                        .and_then(|rest| rest.strip_suffix(']'))
                        .is_some_and(|j| !j.is_empty() && j.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect()
    }

    fn clamp_selection(&mut self) {
        let lane_len = self.lane(self.map_lane).len();
        self.map_pos = self.map_pos.min(lane_len.saturating_sub(1));
        let n_obj = self.objects().len();
        self.insp_obj = self.insp_obj.min(n_obj.saturating_sub(1));
        let n_f = self.current_fields().len();
        self.insp_field = self.insp_field.min(n_f.saturating_sub(1));
        let n_s = self.scenario.strategies.len();
        self.strat_sel = self.strat_sel.min(n_s.saturating_sub(1));
        self.dash_sel = self.dash_sel.min(n_s.saturating_sub(1));
        self.baseline = self.baseline.min(n_s.saturating_sub(1));
    }

    // ----- edits, undo, simulation requests -----

    /// Applies an edit as one undoable step. Returns false (and changes nothing) on error.
    pub fn edit(&mut self, f: impl FnOnce(&mut Scenario) -> Result<(), String>) -> bool {
        let before = self.scenario.clone();
        match f(&mut self.scenario) {
            Ok(()) => {
                if self.scenario != before {
                    self.undo.push(before);
                    if self.undo.len() > UNDO_LIMIT {
                        self.undo.remove(0);
                    }
                    self.redo.clear();
                    self.scenario_changed();
                }
                true
            }
            Err(e) => {
                self.scenario = before;
                self.status = format!("✗ {e}");
                false
            }
        }
    }

    fn undo(&mut self) {
        if let Some(prev) = self.undo.pop() {
            self.redo.push(std::mem::replace(&mut self.scenario, prev));
            self.status = "undone".into();
            self.scenario_changed();
        } else {
            self.status = "nothing to undo".into();
        }
    }

    fn redo(&mut self) {
        if let Some(next) = self.redo.pop() {
            self.undo.push(std::mem::replace(&mut self.scenario, next));
            self.status = "redone".into();
            self.scenario_changed();
        } else {
            self.status = "nothing to redo".into();
        }
    }

    /// Revalidates and asks for a new simulation (or cancels the running one if invalid).
    pub fn scenario_changed(&mut self) {
        self.clamp_selection();
        self.generation += 1;
        match validate(self.scenario.clone()) {
            Ok(model) => {
                self.problems.clear();
                self.pending = Some(Request {
                    generation: self.generation,
                    model,
                    customers: self.customers,
                    seed: self.seed,
                });
            }
            Err(problems) => {
                self.problems = problems;
                self.pending = None;
                self.cancel_running = true;
                self.sim.progress = None;
            }
        }
    }

    /// Takes the request for the worker, if any.
    pub fn take_request(&mut self) -> Option<Request> {
        self.pending.take()
    }

    pub fn apply(&mut self, a: Action) {
        match a {
            Action::Cmd(cmd) => self.command(cmd),
            Action::Focus(p) => {
                self.pane = p;
                self.help = false;
            }
            Action::SelectCard { lane, pos } => {
                self.pane = Pane::Map;
                self.map_lane = lane.min(2);
                self.map_pos = pos;
                self.clamp_selection();
                if let Some(i) = self.selected_touchpoint() {
                    self.select_touchpoint(i);
                }
            }
            Action::OpenFields(prefix) => {
                let Some(obj) = self.objects().iter().position(|o| *o == Obj::Settings) else {
                    return;
                };
                self.insp_obj = obj;
                let fs = fields::fields(&self.scenario, Obj::Settings);
                // Else the first field of the card's section (e.g. no policies to show).
                let section = prefix.split('.').next().unwrap_or_default().to_string() + ".";
                self.insp_field = fs
                    .iter()
                    .position(|f| f.path.starts_with(&prefix))
                    .or_else(|| fs.iter().position(|f| f.path.starts_with(&section)))
                    .unwrap_or(0);
                self.pane = Pane::InspForm;
                self.help = false;
                self.clamp_selection();
            }
            Action::SelectObject(i) => {
                self.pane = Pane::InspList;
                if i != self.insp_obj {
                    self.insp_field = 0;
                }
                self.insp_obj = i;
                self.clamp_selection();
            }
            Action::SelectField(i) => {
                self.pane = Pane::InspForm;
                self.insp_field = i;
                self.clamp_selection();
            }
            Action::SelectStrategyRow { strategy, row } => {
                self.pane = Pane::Strategies;
                self.strat_sel = strategy;
                self.strat_row = row.min(3);
                self.clamp_selection();
            }
            Action::SelectDashStrategy(i) => {
                self.pane = Pane::Dashboard;
                self.dash_sel = i;
                self.clamp_selection();
            }
            Action::Type(c) => {
                if let Some(e) = &mut self.editor {
                    e.insert(c);
                }
                self.recheck_editor();
            }
            Action::Backspace => {
                if let Some(e) = &mut self.editor {
                    e.backspace();
                }
                self.recheck_editor();
            }
            Action::Worker(msg) => self.worker_msg(msg),
            Action::Resize(w, h) => self.size = (w, h),
            Action::Tick => self.tick(),
        }
    }

    fn worker_msg(&mut self, msg: WorkerMsg) {
        if msg.generation() != self.generation {
            return; // stale: a newer edit superseded it
        }
        match msg {
            WorkerMsg::Progress {
                phase, done, total, ..
            } => self.sim.progress = Some((phase, done, total)),
            WorkerMsg::Done {
                generation,
                phase,
                results,
            } => {
                self.sim.results = Some(*results);
                self.sim.results_generation = generation;
                self.sim.results_phase = Some(phase);
                self.sim.error = None;
                if phase == Phase::Full || self.customers <= super::worker::PREVIEW_CUSTOMERS {
                    self.sim.progress = None;
                }
            }
            WorkerMsg::Failed { message, .. } => {
                self.sim.error = Some(message);
                self.sim.progress = None;
            }
            WorkerMsg::Cancelled { .. } => self.sim.progress = None,
        }
    }

    fn tick(&mut self) {
        if self.dialog.is_some() {
            return;
        }
        if let Some(p) = &self.path {
            let now = files::mtime(p);
            if now.is_some() && now != self.file_mtime {
                self.file_mtime = now;
                self.dialog = Some(Dialog::Reload);
            }
        }
    }

    fn command(&mut self, cmd: Cmd) {
        if self.help {
            match cmd {
                Cmd::Down => self.help_scroll = self.help_scroll.saturating_add(1),
                Cmd::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                _ => self.help = false,
            }
            return;
        }
        if let Some(e) = &mut self.editor {
            match cmd {
                Cmd::CaretLeft => e.move_caret(Caret::Left),
                Cmd::CaretRight => e.move_caret(Caret::Right),
                Cmd::CaretHome => e.move_caret(Caret::Home),
                Cmd::CaretEnd => e.move_caret(Caret::End),
                Cmd::DeleteForward => {
                    e.delete();
                    self.recheck_editor();
                }
                Cmd::Confirm => self.commit_editor(),
                Cmd::Cancel => {
                    self.editor = None;
                    self.status = "cancelled".into();
                }
                _ => {}
            }
            return;
        }
        if let Some(d) = self.dialog.clone() {
            self.dialog_answer(d, cmd);
            return;
        }
        match cmd {
            Cmd::Help => {
                self.help = true;
                self.help_scroll = 0;
            }
            Cmd::Back => self.back(),
            Cmd::Quit => self.request_quit(),
            Cmd::NextPane | Cmd::PrevPane => {
                let i = PANES.iter().position(|p| *p == self.pane).unwrap_or(0);
                let n = PANES.len();
                let j = if cmd == Cmd::NextPane {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.pane = PANES[j];
            }
            Cmd::Screen(k) => {
                self.pane = match k {
                    0 => Pane::Map,
                    1 => Pane::InspList,
                    2 => Pane::Strategies,
                    3 => Pane::Dashboard,
                    _ => Pane::Analysis,
                }
            }
            Cmd::Save => self.save(false),
            Cmd::Undo => self.undo(),
            Cmd::Redo => self.redo(),
            Cmd::MoreCustomers => {
                self.set_customers(self.customers.saturating_mul(2).min(10_240_000))
            }
            Cmd::FewerCustomers => self.set_customers((self.customers / 2).max(1_000)),
            Cmd::NextSeed => {
                self.seed = self.seed.wrapping_add(1);
                self.status = format!("seed {}", self.seed);
                self.scenario_changed();
            }
            _ => match self.pane {
                Pane::Map => self.map_cmd(cmd),
                Pane::InspList => self.list_cmd(cmd),
                Pane::InspForm => self.form_cmd(cmd),
                Pane::Strategies => self.strategies_cmd(cmd),
                Pane::Dashboard => self.dashboard_cmd(cmd),
                Pane::Analysis => self.analysis_cmd(cmd),
            },
        }
    }

    fn set_customers(&mut self, n: u64) {
        self.customers = n;
        self.status = format!("{} customers", thousands(n));
        self.scenario_changed();
    }

    fn back(&mut self) {
        match self.pane {
            Pane::InspForm => self.pane = Pane::InspList,
            Pane::Map => self.request_quit(),
            _ => self.pane = Pane::Map,
        }
    }

    pub fn request_quit(&mut self) {
        if self.dirty() {
            self.dialog = Some(Dialog::Quit);
        } else {
            self.should_quit = true;
        }
    }

    fn dialog_answer(&mut self, d: Dialog, cmd: Cmd) {
        let yes = cmd == Cmd::Yes;
        let discard = cmd == Cmd::Discard;
        let no = cmd == Cmd::No;
        if !(yes || discard || no) {
            return;
        }
        self.dialog = None;
        match d {
            Dialog::ConfirmDelete(obj) if yes => self.delete(obj),
            Dialog::ConfirmRemoveItem(item) if yes => self.remove_item(item),
            Dialog::Quit if yes => self.save(true),
            Dialog::Quit if discard => self.should_quit = true,
            Dialog::Reload if yes => self.reload(),
            Dialog::Reload => self.status = "kept your version; saving overwrites the file".into(),
            Dialog::Recovery { scenario, .. } if yes => {
                self.undo.push(self.scenario.clone());
                self.scenario = *scenario;
                self.status = "recovered unsaved work (not yet saved)".into();
                self.scenario_changed();
            }
            Dialog::Recovery { path, .. } if discard => {
                let _ = std::fs::remove_file(&path);
                self.status = "recovery file discarded".into();
            }
            Dialog::CommentsWarning { then_quit } if yes => {
                self.comments_warned = true;
                self.save(then_quit);
            }
            _ => {}
        }
    }

    // ----- files -----

    /// Saves (asking for a name for the built-in example); quits afterwards if asked.
    pub fn save(&mut self, then_quit: bool) {
        let Some(path) = self.path.clone() else {
            self.editor = Some(Editor::new(
                EditTarget::SaveAs { then_quit },
                "journey.ron".into(),
            ));
            return;
        };
        if self.had_comments && !self.comments_warned {
            self.dialog = Some(Dialog::CommentsWarning { then_quit });
            return;
        }
        match files::save(&path, &self.scenario) {
            Ok(()) => {
                self.saved = self.scenario.clone();
                self.file_mtime = files::mtime(&path);
                self.had_comments = false;
                files::remove_recovery(Some(&path));
                self.status = format!("saved {}", path.display());
                if then_quit {
                    self.should_quit = true;
                }
            }
            Err(e) => {
                self.dialog = Some(Dialog::Message(format!(
                    "Could not save {}: {e}",
                    path.display()
                )))
            }
        }
    }

    fn reload(&mut self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        match files::read(&path) {
            Ok((scenario, comments)) => {
                self.undo
                    .push(std::mem::replace(&mut self.scenario, scenario.clone()));
                self.saved = scenario;
                self.had_comments = comments;
                self.file_mtime = files::mtime(&path);
                self.status = format!("reloaded {}", path.display());
                self.scenario_changed();
            }
            Err(e) => self.dialog = Some(Dialog::Message(e)),
        }
    }

    // ----- text input -----

    fn start_edit(&mut self, target: EditTarget, buffer: String) {
        self.editor = Some(Editor::new(target, buffer));
        self.recheck_editor();
    }

    /// The scenario as it would be with the editor's value, or the reason it cannot be.
    fn candidate(&self, e: &Editor) -> Result<Scenario, String> {
        let mut s = self.scenario.clone();
        match &e.target {
            EditTarget::Field { obj, field } => {
                let fs = fields::fields(&s, *obj);
                let f = fs.get(*field).ok_or("the field no longer exists")?;
                let v = f.parse(&e.buffer)?;
                f.set(&mut s, v)?;
            }
            EditTarget::StrategyName(i) => {
                s.strategies.get_mut(*i).ok_or("no such strategy")?.name = e.buffer.clone();
            }
            EditTarget::StrategyValue { strategy, row } => {
                let t = e.buffer.trim();
                let v: f64 = t.parse().map_err(|_| format!("\"{t}\" is not a number"))?;
                let st = s.strategies.get_mut(*strategy).ok_or("no such strategy")?;
                if *row < 3 {
                    if !(0.0..=100.0).contains(&v) {
                        return Err(format!(
                            "expected a percentage between 0 and 100, found {t}"
                        ));
                    }
                    fields::set_linked(&mut st.emphasis, Stage::ALL[*row], v / 100.0);
                } else {
                    st.budget = v;
                }
            }
            EditTarget::SaveAs { .. } => {}
        }
        Ok(s)
    }

    fn editor_path(&self, e: &Editor) -> Option<String> {
        match &e.target {
            EditTarget::Field { obj, field } => fields::fields(&self.scenario, *obj)
                .get(*field)
                .map(|f| f.path.clone()),
            EditTarget::StrategyName(i) => Some(format!("strategies[{i}].name")),
            EditTarget::StrategyValue { strategy, row } => Some(if *row < 3 {
                format!("strategies[{strategy}].emphasis")
            } else {
                format!("strategies[{strategy}].budget")
            }),
            EditTarget::SaveAs { .. } => None,
        }
    }

    /// Range check as you type: the same message `cxsim validate` would give for this field.
    fn recheck_editor(&mut self) {
        let Some(e) = self.editor.clone() else { return };
        let check = if let EditTarget::SaveAs { .. } = e.target {
            if e.buffer.trim().is_empty() {
                Some("type a file name".to_string())
            } else {
                None
            }
        } else {
            match self.candidate(&e) {
                Err(msg) => Some(msg),
                Ok(s) => {
                    let path = self.editor_path(&e).unwrap_or_default();
                    match validate(s) {
                        Ok(_) => None,
                        Err(ps) => ps
                            .iter()
                            .find(|p| p.path == path)
                            .map(|p| p.message.clone()),
                    }
                }
            }
        };
        if let Some(ed) = &mut self.editor {
            ed.check = check;
        }
    }

    fn commit_editor(&mut self) {
        let Some(e) = self.editor.take() else { return };
        if let EditTarget::SaveAs { then_quit } = e.target {
            let name = e.buffer.trim();
            if name.is_empty() {
                self.status = "✗ no file name given".into();
                return;
            }
            let path = PathBuf::from(name);
            if path.exists() {
                // Never overwrite another file silently from Save as.
                self.dialog = Some(Dialog::Message(format!(
                    "{} already exists; choose another name",
                    path.display()
                )));
                return;
            }
            self.display_name = path.display().to_string();
            self.path = Some(path);
            self.save(then_quit);
            return;
        }
        match self.candidate(&e) {
            Ok(s) => {
                // Accepted even if invalid: the problem is then shown at its field.
                self.edit(|cur| {
                    *cur = s;
                    Ok(())
                });
            }
            Err(msg) => {
                self.status = format!("✗ {msg}");
                self.editor = Some(Editor {
                    check: Some(msg),
                    ..e
                });
            }
        }
    }

    // ----- map -----

    fn map_cmd(&mut self, cmd: Cmd) {
        let lane = self.lane(self.map_lane);
        match cmd {
            // The lanes' cards, from the keyboard (a click on a card does the same).
            Cmd::FunnelFields if self.scenario.acquisition.is_some() => {
                self.apply(Action::OpenFields("acquisition.".into()));
            }
            Cmd::FunnelFields => {
                self.status = "this journey has no acquisition leg (no funnels)".into();
            }
            Cmd::EscalationFields if self.scenario.advocacy.is_some() => {
                self.apply(Action::OpenFields("advocacy.".into()));
            }
            Cmd::EscalationFields => {
                self.status = "this journey has no advocacy programme (no escalations)".into();
            }
            Cmd::Left => self.map_pos = self.map_pos.saturating_sub(1),
            Cmd::Right if self.map_pos + 1 < lane.len() => self.map_pos += 1,
            Cmd::Up | Cmd::Down => {
                if cmd == Cmd::Up {
                    self.map_lane = self.map_lane.saturating_sub(1);
                } else {
                    self.map_lane = (self.map_lane + 1).min(2);
                }
                self.clamp_selection();
            }
            Cmd::Enter => {
                if let Some(i) = self.selected_touchpoint() {
                    self.select_touchpoint(i);
                    self.insp_field = 0;
                    self.pane = Pane::InspForm;
                } else {
                    self.status = "this lane is empty: press a to add a touchpoint".into();
                }
            }
            Cmd::Add => {
                let stage = Stage::ALL[self.map_lane.min(2)];
                let at = self
                    .selected_touchpoint()
                    .map_or(self.scenario.touchpoints.len(), |i| i + 1);
                self.add_touchpoint(stage, at);
            }
            Cmd::Duplicate => {
                if let Some(i) = self.selected_touchpoint() {
                    self.duplicate(Obj::Touchpoint(i));
                }
            }
            Cmd::Delete => {
                if let Some(i) = self.selected_touchpoint() {
                    self.dialog = Some(Dialog::ConfirmDelete(Obj::Touchpoint(i)));
                }
            }
            Cmd::MoveEarlier | Cmd::MoveLater => {
                if let Some(i) = self.selected_touchpoint() {
                    let p = self.map_pos;
                    let target = if cmd == Cmd::MoveEarlier {
                        p.checked_sub(1).and_then(|q| lane.get(q))
                    } else {
                        lane.get(p + 1)
                    };
                    if let Some(&j) = target {
                        self.edit(|s| {
                            s.touchpoints.swap(i, j);
                            Ok(())
                        });
                        self.select_touchpoint(j);
                    }
                }
            }
            Cmd::StageNext | Cmd::StagePrev => {
                if let Some(i) = self.selected_touchpoint() {
                    let cur = self.map_lane;
                    let next = if cmd == Cmd::StageNext {
                        (cur + 1) % 3
                    } else {
                        (cur + 2) % 3
                    };
                    self.edit(|s| {
                        s.touchpoints[i].stage = Stage::ALL[next];
                        Ok(())
                    });
                    self.select_touchpoint(i);
                }
            }
            _ => {}
        }
    }

    fn unique_id(existing: &[&str], base: &str) -> String {
        let mut k = 1;
        loop {
            let id = if k == 1 {
                base.to_string()
            } else {
                format!("{base}-{k}")
            };
            if !existing.contains(&id.as_str()) {
                return id;
            }
            k += 1;
        }
    }

    fn add_touchpoint(&mut self, stage: Stage, at: usize) {
        let ids: Vec<&str> = self
            .scenario
            .touchpoints
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        let id = Self::unique_id(&ids, "new-touchpoint");
        let tp = Touchpoint {
            id,
            name: "New touchpoint".into(),
            stage,
            channel: String::new(),
            owner: String::new(),
            trigger: Trigger::EveryPeriod,
            quality: 0.9,
            cost: 0.0,
            effects: Effects::default(),
            on_failure: Vec::new(),
            notes: String::new(),
            team: None,
            delivery: Default::default(),
            recovery: None,
            feedback: None,
            variants: Vec::new(),
            when: crate::format::When::Always,
            segments: Vec::new(),
            by_segment: Default::default(),
        };
        let at = at.min(self.scenario.touchpoints.len());
        self.edit(|s| {
            s.touchpoints.insert(at, tp);
            Ok(())
        });
        self.select_touchpoint(at);
        self.status = "added a touchpoint: Enter edits it".into();
    }

    fn add(&mut self, obj: Obj) {
        match obj {
            Obj::Settings | Obj::Segment(_) => {
                let ids: Vec<&str> = self
                    .scenario
                    .segments
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect();
                let seg = Segment {
                    id: Self::unique_id(&ids, "new-segment"),
                    name: String::new(),
                    share: 0.0,
                    value_per_period: 10.0,
                    initial: TriadLevels {
                        satisfied: 0.5,
                        pleased: 0.5,
                        loyal: 0.2,
                    },
                    churn_propensity: Propensity::Fixed(0.05),
                    accounts: None,
                };
                let at = match obj {
                    Obj::Segment(i) => i + 1,
                    _ => self.scenario.segments.len(),
                };
                self.edit(|s| {
                    s.segments.insert(at, seg);
                    Ok(())
                });
                self.select_obj(Obj::Segment(at));
            }
            Obj::Touchpoint(i) => {
                let stage = self.scenario.touchpoints[i].stage;
                self.add_touchpoint(stage, i + 1);
            }
            Obj::Strategy(i) => self.add_strategy(i + 1),
        }
    }

    fn add_strategy(&mut self, at: usize) {
        let names: Vec<&str> = self
            .scenario
            .strategies
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let st = Strategy {
            name: Self::unique_id(&names, "new-strategy"),
            description: String::new(),
            budget: 0.0,
            emphasis: Emphasis {
                purchase: 0.34,
                exception: 0.33,
                relationship: 0.33,
            },
            organisation: None,
            variants: Default::default(),
        };
        let at = at.min(self.scenario.strategies.len());
        self.edit(|s| {
            s.strategies.insert(at, st);
            Ok(())
        });
        self.strat_sel = at;
        self.select_obj(Obj::Strategy(at));
    }

    fn select_obj(&mut self, obj: Obj) {
        if let Some(k) = self.objects().iter().position(|o| *o == obj) {
            self.insp_obj = k;
        }
        if let Obj::Touchpoint(i) = obj {
            self.select_touchpoint(i);
        }
    }

    fn duplicate(&mut self, obj: Obj) {
        match obj {
            Obj::Settings => {}
            Obj::Segment(i) => {
                let ids: Vec<&str> = self
                    .scenario
                    .segments
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect();
                let mut c = self.scenario.segments[i].clone();
                c.id = Self::unique_id(&ids, &format!("{}-copy", c.id));
                self.edit(|s| {
                    s.segments.insert(i + 1, c);
                    Ok(())
                });
                self.select_obj(Obj::Segment(i + 1));
            }
            Obj::Touchpoint(i) => {
                let ids: Vec<&str> = self
                    .scenario
                    .touchpoints
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect();
                let mut c = self.scenario.touchpoints[i].clone();
                c.id = Self::unique_id(&ids, &format!("{}-copy", c.id));
                c.name = format!("{} (copy)", c.name);
                self.edit(|s| {
                    s.touchpoints.insert(i + 1, c);
                    Ok(())
                });
                self.select_obj(Obj::Touchpoint(i + 1));
            }
            Obj::Strategy(i) => {
                let names: Vec<&str> = self
                    .scenario
                    .strategies
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect();
                let mut c = self.scenario.strategies[i].clone();
                c.name = Self::unique_id(&names, &format!("{}-copy", c.name));
                self.edit(|s| {
                    s.strategies.insert(i + 1, c);
                    Ok(())
                });
                self.strat_sel = i + 1;
                self.select_obj(Obj::Strategy(i + 1));
            }
        }
    }

    fn delete(&mut self, obj: Obj) {
        let what = obj.title(&self.scenario);
        let ok = match obj {
            Obj::Settings => false,
            Obj::Segment(i) => self.edit(|s| {
                s.segments.remove(i);
                Ok(())
            }),
            Obj::Touchpoint(i) => self.edit(|s| {
                s.touchpoints.remove(i);
                Ok(())
            }),
            Obj::Strategy(i) => self.edit(|s| {
                s.strategies.remove(i);
                Ok(())
            }),
        };
        if ok {
            self.status = format!("deleted {what} (u undoes)");
        }
        self.clamp_selection();
    }

    // ----- inspector -----

    fn list_cmd(&mut self, cmd: Cmd) {
        let n = self.objects().len();
        let obj = self.current_obj();
        match cmd {
            Cmd::Up => {
                self.insp_obj = self.insp_obj.saturating_sub(1);
                self.insp_field = 0;
            }
            Cmd::Down => {
                self.insp_obj = (self.insp_obj + 1).min(n.saturating_sub(1));
                self.insp_field = 0;
            }
            Cmd::Enter => self.pane = Pane::InspForm,
            Cmd::Add => self.add(obj),
            Cmd::Duplicate => self.duplicate(obj),
            Cmd::Delete if obj != Obj::Settings => {
                self.dialog = Some(Dialog::ConfirmDelete(obj));
            }
            Cmd::MoveEarlier | Cmd::MoveLater => {
                let (i, len) = match obj {
                    Obj::Segment(i) => (i, self.scenario.segments.len()),
                    Obj::Touchpoint(i) => (i, self.scenario.touchpoints.len()),
                    Obj::Strategy(i) => (i, self.scenario.strategies.len()),
                    Obj::Settings => return,
                };
                let to = if cmd == Cmd::MoveLater {
                    (i + 1 < len).then_some(i + 1)
                } else {
                    i.checked_sub(1)
                };
                let Some(j) = to else { return };
                self.edit(|s| {
                    match obj {
                        Obj::Segment(_) => s.segments.swap(i, j),
                        Obj::Touchpoint(_) => s.touchpoints.swap(i, j),
                        Obj::Strategy(_) => s.strategies.swap(i, j),
                        Obj::Settings => {}
                    }
                    Ok(())
                });
                self.select_obj(match obj {
                    Obj::Segment(_) => Obj::Segment(j),
                    Obj::Touchpoint(_) => Obj::Touchpoint(j),
                    _ => Obj::Strategy(j),
                });
            }
            _ => {}
        }
    }

    fn form_cmd(&mut self, cmd: Cmd) {
        let obj = self.current_obj();
        let fs = self.current_fields();
        let n = fs.len();
        match cmd {
            Cmd::Up => self.insp_field = self.insp_field.saturating_sub(1),
            Cmd::Down => self.insp_field = (self.insp_field + 1).min(n.saturating_sub(1)),
            Cmd::Left | Cmd::Right => {
                let Some(f) = fs.get(self.insp_field) else {
                    return;
                };
                if let Kind::Choice(opts) = &f.kind {
                    if opts.is_empty() {
                        return;
                    }
                    let cur = match f.get(&self.scenario) {
                        Some(Value::Choice(c)) if c < opts.len() => c,
                        _ => 0,
                    };
                    let next = if cmd == Cmd::Right {
                        (cur + 1) % opts.len()
                    } else {
                        (cur + opts.len() - 1) % opts.len()
                    };
                    self.edit(|s| f.set(s, Value::Choice(next)));
                    if let Obj::Touchpoint(i) = obj {
                        self.select_touchpoint(i);
                    }
                } else {
                    self.status = "←/→ cycle pick-lists; press Enter to type a value".into();
                }
            }
            Cmd::Enter => {
                let Some(f) = fs.get(self.insp_field) else {
                    return;
                };
                if let Kind::Choice(_) = f.kind {
                    self.status = "a pick-list: cycle it with ←/→".into();
                    return;
                }
                let cur = f.display(&self.scenario);
                self.start_edit(
                    EditTarget::Field {
                        obj,
                        field: self.insp_field,
                    },
                    cur,
                );
            }
            Cmd::Add | Cmd::Delete => {
                let Some(item) = fs
                    .get(self.insp_field)
                    .and_then(|f| fields::Item::of_path(&f.path))
                else {
                    self.status = "a/x add and remove funnels, contact roles and escalation \
                                   policies: select one of their fields"
                        .into();
                    return;
                };
                if cmd == Cmd::Delete {
                    // A removal that would be refused is said at once, not after asking.
                    match fields::removal_refused(&self.scenario, item) {
                        Some(why) => self.status = format!("✗ {why}"),
                        None => self.dialog = Some(Dialog::ConfirmRemoveItem(item)),
                    }
                    return;
                }
                let mut added = None;
                if self.edit(|s| {
                    added = Some(fields::add_item(s, item.list, item.index + 1)?);
                    Ok(())
                }) && let Some(new) = added
                {
                    self.status = format!("added {} (u undoes)", new.title(&self.scenario));
                    self.select_item_field(new);
                }
            }
            _ => {}
        }
    }

    /// Selects the first field of `item` in the current form; false if it has none.
    fn select_item_field(&mut self, item: fields::Item) -> bool {
        let at = self
            .current_fields()
            .iter()
            .position(|f| fields::Item::of_path(&f.path) == Some(item));
        if let Some(at) = at {
            self.insp_field = at;
        }
        at.is_some()
    }

    fn remove_item(&mut self, item: fields::Item) {
        let what = item.title(&self.scenario);
        if self.edit(|s| fields::remove_item(s, item)) {
            self.status = format!("removed {what} (u undoes)");
            // The item that moved up into its place, else the one before it.
            if !self.select_item_field(item) {
                let before = fields::Item {
                    index: item.index.saturating_sub(1),
                    ..item
                };
                self.select_item_field(before);
            }
        }
        let n = self.current_fields().len();
        self.insp_field = self.insp_field.min(n.saturating_sub(1));
    }

    // ----- strategies -----

    fn strategies_cmd(&mut self, cmd: Cmd) {
        let n = self.scenario.strategies.len();
        let i = self.strat_sel;
        match cmd {
            Cmd::Up => {
                if self.strat_row > 0 {
                    self.strat_row -= 1;
                } else if i > 0 {
                    self.strat_sel -= 1;
                    self.strat_row = 3;
                }
            }
            Cmd::Down => {
                if self.strat_row < 3 {
                    self.strat_row += 1;
                } else if i + 1 < n {
                    self.strat_sel += 1;
                    self.strat_row = 0;
                }
            }
            Cmd::Left | Cmd::Right | Cmd::BigLeft | Cmd::BigRight => {
                if i >= n {
                    return;
                }
                let sign = if matches!(cmd, Cmd::Left | Cmd::BigLeft) {
                    -1.0
                } else {
                    1.0
                };
                let big = matches!(cmd, Cmd::BigLeft | Cmd::BigRight);
                let row = self.strat_row;
                self.edit(|s| {
                    let st = &mut s.strategies[i];
                    if row < 3 {
                        let stage = Stage::ALL[row];
                        let step = if big { 0.10 } else { 0.01 };
                        // Snap to whole percent so repeated steps stay tidy.
                        let v = ((st.emphasis.get(stage) + sign * step) * 100.0).round() / 100.0;
                        fields::set_linked(&mut st.emphasis, stage, v.clamp(0.0, 1.0));
                    } else {
                        let step = if big { 5.0 } else { 0.5 };
                        st.budget = (st.budget + sign * step).max(0.0);
                    }
                    Ok(())
                });
            }
            Cmd::Enter => {
                if let Some(st) = self.scenario.strategies.get(i) {
                    let row = self.strat_row;
                    let cur = if row < 3 {
                        fields::fmt_num((st.emphasis.get(Stage::ALL[row]) * 1000.0).round() / 10.0)
                    } else {
                        fields::fmt_num(st.budget)
                    };
                    self.start_edit(EditTarget::StrategyValue { strategy: i, row }, cur);
                }
            }
            Cmd::Rename => {
                if let Some(st) = self.scenario.strategies.get(i) {
                    let name = st.name.clone();
                    self.start_edit(EditTarget::StrategyName(i), name);
                }
            }
            Cmd::Add => self.add_strategy(i + 1),
            Cmd::Duplicate if i < n => self.duplicate(Obj::Strategy(i)),
            Cmd::Delete if i < n => {
                self.dialog = Some(Dialog::ConfirmDelete(Obj::Strategy(i)));
            }
            _ => {}
        }
    }

    fn dashboard_cmd(&mut self, cmd: Cmd) {
        let n = self.sim.results.as_ref().map_or(0, |r| r.strategies.len());
        match cmd {
            Cmd::Left => self.dash_sel = self.dash_sel.saturating_sub(1),
            Cmd::Right => self.dash_sel = (self.dash_sel + 1).min(n.saturating_sub(1)),
            Cmd::Baseline => {
                self.baseline = self.dash_sel;
                self.status = "baseline changed".into();
            }
            Cmd::NextSegment => {
                let ids: Vec<String> = self
                    .scenario
                    .segments
                    .iter()
                    .map(|g| g.id.clone())
                    .collect();
                if ids.len() < 2 {
                    self.dash_segment = None;
                    self.status = "one segment: the dashboard shows all customers".into();
                } else {
                    self.dash_segment = match self.dash_segment {
                        None => Some(0),
                        Some(k) if k + 1 < ids.len() => Some(k + 1),
                        Some(_) => None,
                    };
                    self.status = match self.dash_segment.and_then(|k| ids.get(k)) {
                        Some(id) => format!("dashboard: segment {id}"),
                        None => "dashboard: all customers".into(),
                    };
                }
            }
            _ => {}
        }
    }

    /// Sets results directly (tests render from fixed results; the loop uses the worker).
    pub fn set_results(&mut self, results: RunResults) {
        self.sim.results = Some(results);
        self.sim.results_generation = self.generation;
        self.sim.results_phase = Some(Phase::Full);
        self.sim.progress = None;
        self.pending = None;
    }

    /// Writes unsaved work to the recovery file; returns its path.
    pub fn write_recovery(&self) -> Option<PathBuf> {
        if !self.dirty() {
            return None;
        }
        let p = files::recovery_path(self.path.as_deref());
        files::write_recovery(&p, &self.scenario).ok().map(|_| p)
    }

    /// Offers to restore a recovery file left by an earlier session.
    pub fn offer_recovery(&mut self) {
        let p = files::recovery_path(self.path.as_deref());
        if let Some(s) = files::read_recovery(&p)
            && s != self.scenario
        {
            self.dialog = Some(Dialog::Recovery {
                path: p,
                scenario: Box::new(s),
            });
        }
    }

    pub fn source_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// 200000 → "200,000".
pub fn thousands(n: u64) -> String {
    crate::fmt::group_thousands(n)
}
