//! The single key table: dispatch, the hint bar and the `?` help overlay all read it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    Global,
    Map,
    InspectorList,
    InspectorForm,
    Strategies,
    Dashboard,
    Analysis,
    /// While typing into a field.
    Editing,
    /// In a yes/no dialog.
    Dialog,
}

impl Ctx {
    pub fn title(self) -> &'static str {
        match self {
            Ctx::Global => "Everywhere",
            Ctx::Map => "Journey map",
            Ctx::InspectorList => "Inspector: object list",
            Ctx::InspectorForm => "Inspector: fields",
            Ctx::Strategies => "Strategies",
            Ctx::Dashboard => "Dashboard",
            Ctx::Analysis => "Analysis",
            Ctx::Editing => "Typing a value",
            Ctx::Dialog => "Dialogs",
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Help,
    Quit,
    Back,
    NextPane,
    PrevPane,
    Screen(usize),
    Save,
    Undo,
    Redo,
    MoreCustomers,
    FewerCustomers,
    NextSeed,
    Up,
    Down,
    Left,
    Right,
    BigLeft,
    BigRight,
    Enter,
    Add,
    Duplicate,
    Delete,
    MoveEarlier,
    MoveLater,
    StageNext,
    StagePrev,
    Rename,
    Baseline,
    /// Dashboard: show the next segment (all customers, then each segment in turn).
    NextSegment,
    /// Analysis screen: next objective / metric, next strategy, run again.
    AnalysisMetric,
    AnalysisStrategy,
    AnalysisRun,
    /// Map: the acquisition leg's / the advocacy programme's fields in the inspector.
    FunnelFields,
    EscalationFields,
    // Editing
    Confirm,
    Cancel,
    CaretLeft,
    CaretRight,
    CaretHome,
    CaretEnd,
    DeleteForward,
    // Dialog answers
    Yes,
    No,
    Discard,
}

pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the key is written in the hint bar and help.
    pub label: &'static str,
    pub desc: &'static str,
    pub ctx: Ctx,
    pub cmd: Cmd,
    /// Short text for the hint bar; empty = only in the help overlay (which shows all).
    pub hint: &'static str,
}

const N: KeyModifiers = KeyModifiers::NONE;
const C: KeyModifiers = KeyModifiers::CONTROL;

macro_rules! b {
    ($ctx:ident, [$($k:expr),+], $label:expr, $desc:expr, $cmd:expr, $hint:expr) => {
        Binding { keys: &[$($k),+], label: $label, desc: $desc, ctx: Ctx::$ctx, cmd: $cmd, hint: $hint }
    };
}

use KeyCode::{BackTab, Char, Delete, Down, End, Enter, Esc, Home, Left, Right, Tab, Up};

/// Every binding. Context-specific entries come before global ones so they win.
pub static KEYS: &[Binding] = &[
    // Typing
    b!(
        Editing,
        [(Enter, N)],
        "Enter",
        "accept the value",
        Cmd::Confirm,
        "accept"
    ),
    b!(
        Editing,
        [(Esc, N)],
        "Esc",
        "cancel typing",
        Cmd::Cancel,
        "cancel"
    ),
    b!(Editing, [(Left, N)], "←", "cursor left", Cmd::CaretLeft, ""),
    b!(
        Editing,
        [(Right, N)],
        "→",
        "cursor right",
        Cmd::CaretRight,
        ""
    ),
    b!(
        Editing,
        [(Home, N), (Char('a'), C)],
        "Home/^A",
        "cursor to the start",
        Cmd::CaretHome,
        ""
    ),
    b!(
        Editing,
        [(End, N), (Char('e'), C)],
        "End/^E",
        "cursor to the end",
        Cmd::CaretEnd,
        ""
    ),
    b!(
        Editing,
        [(Delete, N)],
        "Del",
        "delete the character under the cursor",
        Cmd::DeleteForward,
        ""
    ),
    // Dialogs
    b!(
        Dialog,
        [(Char('y'), N), (Enter, N), (Char('s'), N), (Char('r'), N)],
        "y/Enter",
        "yes / save / reload / restore",
        Cmd::Yes,
        "yes"
    ),
    b!(
        Dialog,
        [(Char('d'), N)],
        "d",
        "discard (quit or recovery dialogs)",
        Cmd::Discard,
        "discard"
    ),
    b!(
        Dialog,
        [(Char('n'), N), (Esc, N), (Char('c'), N), (Char('q'), N)],
        "n/Esc",
        "no / cancel",
        Cmd::No,
        "cancel"
    ),
    // Journey map
    b!(
        Map,
        [(Left, N), (Char('h'), N)],
        "←→/hl",
        "previous / next card in the lane",
        Cmd::Left,
        "card"
    ),
    b!(
        Map,
        [(Right, N), (Char('l'), N)],
        "→",
        "next card in the lane",
        Cmd::Right,
        ""
    ),
    b!(
        Map,
        [(Up, N), (Char('k'), N)],
        "↑↓/jk",
        "lane above / below",
        Cmd::Up,
        "lane"
    ),
    b!(
        Map,
        [(Down, N), (Char('j'), N)],
        "↓",
        "lane below",
        Cmd::Down,
        ""
    ),
    b!(
        Map,
        [(Enter, N)],
        "Enter",
        "edit the selected touchpoint",
        Cmd::Enter,
        "edit"
    ),
    b!(
        Map,
        [(Char('F'), N)],
        "F",
        "edit the funnels and word of mouth",
        Cmd::FunnelFields,
        ""
    ),
    b!(
        Map,
        [(Char('E'), N)],
        "E",
        "edit the escalation lifecycle",
        Cmd::EscalationFields,
        ""
    ),
    b!(
        Map,
        [(Char('a'), N)],
        "a",
        "add a touchpoint to this lane",
        Cmd::Add,
        "add"
    ),
    b!(
        Map,
        [(Char('d'), N)],
        "d",
        "duplicate the touchpoint",
        Cmd::Duplicate,
        ""
    ),
    b!(
        Map,
        [(Char('x'), N), (Delete, N)],
        "x",
        "delete the touchpoint (asks)",
        Cmd::Delete,
        "delete"
    ),
    b!(
        Map,
        [(Char('K'), N), (Char('H'), N)],
        "H/K",
        "move the touchpoint earlier",
        Cmd::MoveEarlier,
        ""
    ),
    b!(
        Map,
        [(Char('J'), N), (Char('L'), N)],
        "J/L",
        "move the touchpoint later",
        Cmd::MoveLater,
        ""
    ),
    b!(
        Map,
        [(Char('>'), N)],
        ">",
        "move the touchpoint to the next stage",
        Cmd::StageNext,
        "stage"
    ),
    b!(
        Map,
        [(Char('<'), N)],
        "<",
        "move the touchpoint to the previous stage",
        Cmd::StagePrev,
        ""
    ),
    // Inspector list
    b!(
        InspectorList,
        [(Up, N), (Char('k'), N)],
        "↑↓/jk",
        "select an object",
        Cmd::Up,
        "select"
    ),
    b!(
        InspectorList,
        [(Down, N), (Char('j'), N)],
        "↓",
        "next object",
        Cmd::Down,
        ""
    ),
    b!(
        InspectorList,
        [(Enter, N), (Right, N), (Char('l'), N)],
        "Enter/→",
        "edit its fields",
        Cmd::Enter,
        "fields"
    ),
    b!(
        InspectorList,
        [(Char('a'), N)],
        "a",
        "add an object of this kind",
        Cmd::Add,
        "add"
    ),
    b!(
        InspectorList,
        [(Char('d'), N)],
        "d",
        "duplicate it",
        Cmd::Duplicate,
        ""
    ),
    b!(
        InspectorList,
        [(Char('x'), N), (Delete, N)],
        "x",
        "delete it (asks)",
        Cmd::Delete,
        "delete"
    ),
    b!(
        InspectorList,
        [(Char('K'), N)],
        "K",
        "move it earlier",
        Cmd::MoveEarlier,
        ""
    ),
    b!(
        InspectorList,
        [(Char('J'), N)],
        "J",
        "move it later",
        Cmd::MoveLater,
        ""
    ),
    // Inspector form
    b!(
        InspectorForm,
        [(Up, N), (Char('k'), N)],
        "↑↓/jk",
        "select a field",
        Cmd::Up,
        "field"
    ),
    b!(
        InspectorForm,
        [(Down, N), (Char('j'), N)],
        "↓",
        "next field",
        Cmd::Down,
        ""
    ),
    b!(
        InspectorForm,
        [(Left, N), (Char('h'), N)],
        "←→/hl",
        "cycle a pick-list",
        Cmd::Left,
        "pick"
    ),
    b!(
        InspectorForm,
        [(Right, N), (Char('l'), N)],
        "→",
        "next pick-list value",
        Cmd::Right,
        ""
    ),
    b!(
        InspectorForm,
        [(Enter, N)],
        "Enter",
        "type a value",
        Cmd::Enter,
        "type"
    ),
    b!(
        InspectorForm,
        [(Char('a'), N)],
        "a",
        "add a funnel, role or policy after this one",
        Cmd::Add,
        ""
    ),
    b!(
        InspectorForm,
        [(Char('x'), N), (Delete, N)],
        "x",
        "remove this funnel, role or policy (asks)",
        Cmd::Delete,
        ""
    ),
    // Strategies
    b!(
        Strategies,
        [(Up, N), (Char('k'), N)],
        "↑↓/jk",
        "select a slider",
        Cmd::Up,
        "slider"
    ),
    b!(
        Strategies,
        [(Down, N), (Char('j'), N)],
        "↓",
        "next slider",
        Cmd::Down,
        ""
    ),
    b!(
        Strategies,
        [(Left, N), (Char('h'), N)],
        "←→/hl",
        "slider −/+ 1 % (budget ∓0.5)",
        Cmd::Left,
        "adjust"
    ),
    b!(
        Strategies,
        [(Right, N), (Char('l'), N)],
        "→",
        "slider + 1 %",
        Cmd::Right,
        ""
    ),
    b!(
        Strategies,
        [(Char('H'), N)],
        "H/L",
        "slider −/+ 10 %",
        Cmd::BigLeft,
        ""
    ),
    b!(
        Strategies,
        [(Char('L'), N)],
        "L",
        "slider + 10 %",
        Cmd::BigRight,
        ""
    ),
    b!(
        Strategies,
        [(Enter, N)],
        "Enter",
        "type the value",
        Cmd::Enter,
        "type"
    ),
    b!(
        Strategies,
        [(Char('a'), N)],
        "a",
        "add a strategy",
        Cmd::Add,
        "add"
    ),
    b!(
        Strategies,
        [(Char('d'), N)],
        "d",
        "duplicate the strategy",
        Cmd::Duplicate,
        ""
    ),
    b!(
        Strategies,
        [(Char('r'), N)],
        "r",
        "rename the strategy",
        Cmd::Rename,
        "rename"
    ),
    b!(
        Strategies,
        [(Char('x'), N), (Delete, N)],
        "x",
        "delete the strategy (asks)",
        Cmd::Delete,
        ""
    ),
    // Dashboard
    b!(
        Dashboard,
        [(Left, N), (Char('h'), N), (Up, N), (Char('k'), N)],
        "←→/hl",
        "select a strategy",
        Cmd::Left,
        "strategy"
    ),
    b!(
        Dashboard,
        [(Right, N), (Char('l'), N), (Down, N), (Char('j'), N)],
        "→",
        "next strategy",
        Cmd::Right,
        ""
    ),
    b!(
        Dashboard,
        [(Char('b'), N)],
        "b",
        "make the selected strategy the baseline",
        Cmd::Baseline,
        "baseline"
    ),
    b!(
        Dashboard,
        [(Char('g'), N)],
        "g",
        "show one segment's customers (then the next, then all)",
        Cmd::NextSegment,
        "segment"
    ),
    // Analysis
    b!(
        Analysis,
        [(Left, N), (Char('h'), N)],
        "←→/hl",
        "emphasis map / sensitivity / diagnosis",
        Cmd::Left,
        "analysis"
    ),
    b!(
        Analysis,
        [(Right, N), (Char('l'), N)],
        "→",
        "next analysis",
        Cmd::Right,
        ""
    ),
    b!(
        Analysis,
        [(Up, N), (Char('k'), N)],
        "↑↓/jk",
        "scroll the table",
        Cmd::Up,
        "scroll"
    ),
    b!(
        Analysis,
        [(Down, N), (Char('j'), N)],
        "↓",
        "scroll down",
        Cmd::Down,
        ""
    ),
    b!(
        Analysis,
        [(Char('m'), N)],
        "m",
        "next objective (map) or metric (sensitivity)",
        Cmd::AnalysisMetric,
        "metric"
    ),
    b!(
        Analysis,
        [(Char('s'), N)],
        "s",
        "next strategy analysed (sensitivity, diagnosis)",
        Cmd::AnalysisStrategy,
        "strategy"
    ),
    b!(
        Analysis,
        [(Char('r'), N)],
        "r",
        "run the analysis again",
        Cmd::AnalysisRun,
        "run"
    ),
    // Everywhere
    b!(Global, [(Char('?'), N)], "?", "help", Cmd::Help, "help"),
    b!(
        Global,
        [(Char('q'), N), (Esc, N)],
        "q/Esc",
        "back out / quit",
        Cmd::Back,
        "back/quit"
    ),
    b!(
        Global,
        [(Tab, N)],
        "Tab",
        "next pane",
        Cmd::NextPane,
        "pane"
    ),
    b!(
        Global,
        [(BackTab, N), (BackTab, KeyModifiers::SHIFT)],
        "S-Tab",
        "previous pane",
        Cmd::PrevPane,
        ""
    ),
    b!(
        Global,
        [(Char('1'), N)],
        "1-5",
        "Map, Inspector, Strategies, Dashboard, Analysis",
        Cmd::Screen(0),
        "screens"
    ),
    b!(
        Global,
        [(Char('2'), N)],
        "2",
        "Inspector",
        Cmd::Screen(1),
        ""
    ),
    b!(
        Global,
        [(Char('3'), N)],
        "3",
        "Strategies",
        Cmd::Screen(2),
        ""
    ),
    b!(
        Global,
        [(Char('4'), N)],
        "4",
        "Dashboard",
        Cmd::Screen(3),
        ""
    ),
    b!(
        Global,
        [(Char('5'), N)],
        "5",
        "Analysis (emphasis map, sensitivity, diagnosis)",
        Cmd::Screen(4),
        ""
    ),
    b!(Global, [(Char('s'), C)], "^S", "save", Cmd::Save, "save"),
    b!(
        Global,
        [(Char('z'), C), (Char('u'), N)],
        "^Z/u",
        "undo",
        Cmd::Undo,
        "undo"
    ),
    b!(
        Global,
        [(Char('y'), C), (Char('U'), N)],
        "^Y/U",
        "redo",
        Cmd::Redo,
        ""
    ),
    b!(
        Global,
        [(Char('+'), N), (Char('='), N)],
        "+/-",
        "double / halve the simulated customers",
        Cmd::MoreCustomers,
        ""
    ),
    b!(
        Global,
        [(Char('-'), N)],
        "-",
        "halve the simulated customers",
        Cmd::FewerCustomers,
        ""
    ),
    b!(
        Global,
        [(Char('c'), C)],
        "^C",
        "quit (asks when there are unsaved changes)",
        Cmd::Quit,
        ""
    ),
    b!(
        Global,
        [(Char('S'), N)],
        "S",
        "next random seed",
        Cmd::NextSeed,
        ""
    ),
];

fn matches(k: &KeyEvent, code: KeyCode, mods: KeyModifiers) -> bool {
    let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
    match (k.code, code) {
        (KeyCode::Char(a), KeyCode::Char(b)) => {
            let a = if mods.contains(KeyModifiers::CONTROL) {
                a.to_ascii_lowercase()
            } else {
                a
            };
            a == b && (k.modifiers & relevant) == (mods & relevant)
        }
        (BackTab, BackTab) => true,
        (a, b) => a == b && (k.modifiers & relevant) == (mods & relevant),
    }
}

/// The command a key means in a context (context bindings first, then global ones unless the
/// context is modal).
pub fn lookup(ctx: Ctx, key: &KeyEvent) -> Option<Cmd> {
    let modal = matches!(ctx, Ctx::Editing | Ctx::Dialog);
    KEYS.iter()
        .filter(|b| b.ctx == ctx || (!modal && b.ctx == Ctx::Global))
        .find(|b| b.keys.iter().any(|(c, m)| matches(key, *c, *m)))
        .map(|b| b.cmd)
}

/// The hint bar entries for a context.
pub fn hints(ctx: Ctx) -> Vec<(&'static str, &'static str)> {
    let modal = matches!(ctx, Ctx::Editing | Ctx::Dialog);
    let mut v: Vec<_> = KEYS
        .iter()
        .filter(|b| !b.hint.is_empty() && b.ctx == ctx)
        .map(|b| (b.label, b.hint))
        .collect();
    if !modal && ctx != Ctx::Global {
        v.extend(
            KEYS.iter()
                .filter(|b| !b.hint.is_empty() && b.ctx == Ctx::Global)
                .map(|b| (b.label, b.hint)),
        );
    }
    v
}

/// Every context in help order.
pub const HELP_ORDER: [Ctx; 9] = [
    Ctx::Global,
    Ctx::Map,
    Ctx::InspectorList,
    Ctx::InspectorForm,
    Ctx::Strategies,
    Ctx::Dashboard,
    Ctx::Analysis,
    Ctx::Editing,
    Ctx::Dialog,
];
