//! The canonical reduction of work-unit sums: a dyadic tree over unit indices.
//!
//! Floating-point addition is not associative, so "the sum over all units" is only reproducible
//! if the order of additions is fixed. cxsim fixes it as a **binary counter over unit indices**:
//!
//! * Unit `u`'s accumulator enters as a level-0 block `[u, u+1)`.
//! * A level-`k` block is the sum of the aligned range `[f, f + 2^k)` (`f` a multiple of `2^k`),
//!   formed as `left + right` of its two level-`k−1` halves.
//! * Blocks are pushed in unit order onto a stack; whenever the two topmost blocks have the same
//!   level they are replaced by their sum (`lower + upper`), exactly like carries in a binary
//!   counter. After `U` units the stack holds the blocks of the binary decomposition of `U`,
//!   largest (leftmost) first; it never holds more than `log2(U) + 1` blocks.
//! * **Final fold**: the remaining blocks are summed from the right: `b0 + (b1 + (… + b_last))`.
//!
//! The same tree can be built from any split of `0..U` into contiguous ranges: a range
//! `[a, b)` is cut into its *maximal aligned dyadic blocks* ([`dyadic_blocks`]), each reduced
//! on its own with the same counter; feeding all blocks of all ranges, in unit order, into one
//! counter then performs exactly the additions of the single run. This is what makes
//! `cxsim run --shard K/N` + `cxsim merge` byte-identical to `cxsim run`, for any N.
//!
//! Why it works: a block `[f, f+2^k)` from the decomposition has `f` divisible by `2^k`, so when
//! it arrives every block on the stack (the binary decomposition of `f`) has a level `≥ k`;
//! pushing a whole level-`k` block then carries exactly as pushing its `2^k` units one by one
//! would, and those units on their own build the same perfect tree inside the block.

use std::ops::Range;

/// Something that can absorb the sum of the range to its right.
pub trait Combine {
    /// `self ← self + right`, where `right` covers the units just after `self`'s.
    fn combine(&mut self, right: &Self);
}

impl Combine for f64 {
    fn combine(&mut self, right: &f64) {
        *self += *right;
    }
}

/// One reduced block: the sum of units `[first, first + 2^level)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block<T> {
    pub level: u32,
    pub first: u64,
    pub value: T,
}

impl<T> Block<T> {
    pub fn units(&self) -> Range<u64> {
        self.first..self.first + (1u64 << self.level)
    }
}

/// Why a sequence of blocks does not form a contiguous, aligned prefix walk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReduceError {
    #[error("block at unit {first} of level {level} is not aligned to 2^{level}")]
    Misaligned { first: u64, level: u32 },
    #[error("expected a block starting at unit {expected}, found one starting at unit {found}")]
    NotContiguous { expected: u64, found: u64 },
    #[error(
        "block at unit {first} of level {level} is larger than the blocks before it allow (the blocks do not follow the canonical decomposition)"
    )]
    TooLarge { first: u64, level: u32 },
}

/// The binary-counter stack. Memory: at most `log2(units) + 1` values.
#[derive(Debug, Clone)]
pub struct Reducer<T> {
    stack: Vec<Block<T>>,
    /// The next unit expected.
    next: u64,
    start: u64,
}

impl<T: Combine> Reducer<T> {
    /// A counter whose first block starts at unit `start` (0 for a whole run).
    pub fn new(start: u64) -> Reducer<T> {
        Reducer {
            stack: Vec::new(),
            next: start,
            start,
        }
    }

    /// The next unit this reducer expects.
    pub fn next_unit(&self) -> u64 {
        self.next
    }

    /// Adds the next unit's value.
    pub fn push_unit(&mut self, value: T) {
        let first = self.next;
        // Always aligned to 2^0 and contiguous, so this cannot fail.
        self.push_block_unchecked(Block {
            level: 0,
            first,
            value,
        });
    }

    /// Adds a block that must start at the next unit, be aligned to its size, and not be larger
    /// than the lowest set bit of its start (relative to the counter's start) allows.
    pub fn push_block(&mut self, block: Block<T>) -> Result<(), ReduceError> {
        let (first, level) = (block.first, block.level);
        if level >= 64 || first & ((1u64 << level) - 1) != 0 {
            return Err(ReduceError::Misaligned { first, level });
        }
        if first != self.next {
            return Err(ReduceError::NotContiguous {
                expected: self.next,
                found: first,
            });
        }
        if let Some(top) = self.stack.last()
            && top.level < level
        {
            return Err(ReduceError::TooLarge { first, level });
        }
        if self.stack.is_empty() && self.start != first {
            return Err(ReduceError::NotContiguous {
                expected: self.start,
                found: first,
            });
        }
        self.push_block_unchecked(block);
        Ok(())
    }

    fn push_block_unchecked(&mut self, block: Block<T>) {
        self.next = block.first + (1u64 << block.level);
        self.stack.push(block);
        while self.stack.len() >= 2 {
            let n = self.stack.len();
            if self.stack[n - 1].level != self.stack[n - 2].level {
                break;
            }
            if let Some(upper) = self.stack.pop()
                && let Some(lower) = self.stack.last_mut()
            {
                lower.value.combine(&upper.value);
                lower.level += 1;
            }
        }
    }

    /// The blocks on the stack, leftmost first (for a range that ends on an aligned boundary of
    /// its start, these are its canonical blocks).
    pub fn into_blocks(self) -> Vec<Block<T>> {
        self.stack
    }

    /// The final fold, from the right: `b0 + (b1 + (… + b_last))`. `None` if nothing was pushed.
    pub fn finish(self) -> Option<T> {
        fold_right(self.stack)
    }
}

/// `b0 + (b1 + (… + b_last))`: the canonical final fold of a counter's remaining blocks, and the
/// reduction of one range's canonical blocks (whose sizes never carry into each other).
pub fn fold_right<T: Combine>(blocks: Vec<Block<T>>) -> Option<T> {
    let mut it = blocks.into_iter().rev();
    let mut acc = it.next()?.value;
    for mut b in it {
        b.value.combine(&acc);
        acc = b.value;
    }
    Some(acc)
}

/// The maximal aligned dyadic blocks covering `range`, as (level, first), leftmost first: from
/// each position, the largest `2^k` that divides it and still fits.
pub fn dyadic_blocks(range: Range<u64>) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let mut p = range.start;
    while p < range.end {
        let align = if p == 0 { 63 } else { p.trailing_zeros() };
        let fit = 63 - (range.end - p).leading_zeros();
        let k = align.min(fit);
        out.push((k, p));
        p += 1u64 << k;
    }
    out
}

/// Reduces the values of `range` (given in unit order by `value`) into the canonical blocks of
/// the range. Each block is reduced with its own counter.
pub fn reduce_blocks<T: Combine>(
    range: Range<u64>,
    mut value: impl FnMut(u64) -> T,
) -> Vec<Block<T>> {
    dyadic_blocks(range)
        .into_iter()
        .filter_map(|(level, first)| {
            let mut r = Reducer::new(first);
            for u in first..first + (1u64 << level) {
                r.push_unit(value(u));
            }
            r.finish().map(|value| Block {
                level,
                first,
                value,
            })
        })
        .collect()
}

/// The reduction of `range` from finer canonical pieces: `blocks` are the canonical blocks of
/// consecutive sub-ranges that together cover `range` (say, the parts of shards that fall in a
/// batch). Each maximal block of `range` is rebuilt from its pieces with its own counter, which
/// adds them exactly as the units would have been added, and the maximal blocks are folded from
/// the right: the same additions, in the same order, as `fold_right` of the canonical blocks of
/// `range` computed in one go. `None` for an empty range or pieces that do not fit.
pub fn reduce_range<T: Combine>(range: Range<u64>, blocks: Vec<Block<T>>) -> Option<T> {
    let mut pieces = blocks.into_iter().peekable();
    let mut maximal = Vec::new();
    for (level, first) in dyadic_blocks(range) {
        let end = first + (1u64 << level);
        let mut r = Reducer::new(first);
        while let Some(b) = pieces.next_if(|b| b.first >= first && b.units().end <= end) {
            r.push_block(b).ok()?;
        }
        if r.next_unit() != end {
            return None;
        }
        let mut stack = r.into_blocks();
        if stack.len() != 1 {
            return None;
        }
        maximal.push(stack.pop()?);
    }
    if pieces.next().is_some() {
        return None;
    }
    fold_right(maximal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value that records the exact tree of additions, to compare trees structurally.
    #[derive(Debug, Clone, PartialEq)]
    enum Tree {
        Leaf(u64),
        Sum(Box<Tree>, Box<Tree>),
    }

    impl Combine for Tree {
        fn combine(&mut self, right: &Tree) {
            let left = std::mem::replace(self, Tree::Leaf(u64::MAX));
            *self = Tree::Sum(Box::new(left), Box::new(right.clone()));
        }
    }

    fn whole(n: u64) -> Option<Tree> {
        let mut r = Reducer::new(0);
        for u in 0..n {
            r.push_unit(Tree::Leaf(u));
        }
        r.finish()
    }

    fn merged(cuts: &[u64], n: u64) -> Option<Tree> {
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < n));
        bounds.push(n);
        bounds.sort_unstable();
        let mut r = Reducer::new(0);
        for w in bounds.windows(2) {
            for b in reduce_blocks(w[0]..w[1], Tree::Leaf) {
                r.push_block(b).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        r.finish()
    }

    /// A batch rebuilt from the pieces of any shard cuts is the batch reduced in one go, tree
    /// for tree; pieces that leave a gap are refused.
    #[test]
    fn a_range_rebuilt_from_pieces_is_the_range_reduced_at_once() {
        for a in 0..40u64 {
            for b in a + 1..41 {
                let once = fold_right(reduce_blocks(a..b, Tree::Leaf));
                for c in a..=b {
                    for d in c..=b {
                        let mut pieces = reduce_blocks(a..c, Tree::Leaf);
                        pieces.extend(reduce_blocks(c..d, Tree::Leaf));
                        pieces.extend(reduce_blocks(d..b, Tree::Leaf));
                        assert_eq!(reduce_range(a..b, pieces), once, "{a}..{b} cut at {c}, {d}");
                    }
                }
                if b > a + 1 {
                    let mut gap = reduce_blocks(a..a + 1, Tree::Leaf);
                    gap.extend(reduce_blocks(a + 2..b, Tree::Leaf));
                    assert_eq!(reduce_range(a..b, gap), None);
                }
            }
        }
    }

    #[test]
    fn blocks_cover_the_range_exactly_and_are_aligned() {
        for a in 0..70u64 {
            for b in a..70 {
                let blocks = dyadic_blocks(a..b);
                let mut p = a;
                for &(k, f) in &blocks {
                    assert_eq!(f, p);
                    assert_eq!(f % (1 << k), 0);
                    p += 1 << k;
                }
                assert_eq!(p, b);
            }
        }
        assert_eq!(dyadic_blocks(0..13), vec![(3, 0), (2, 8), (0, 12)]);
        assert_eq!(dyadic_blocks(5..13), vec![(0, 5), (1, 6), (2, 8), (0, 12)]);
    }

    #[test]
    fn every_split_into_two_or_three_ranges_builds_the_same_tree() {
        for n in 0..40u64 {
            let reference = whole(n);
            for c1 in 0..=n {
                assert_eq!(merged(&[c1], n), reference, "n={n} cut={c1}");
                for c2 in c1..=n {
                    assert_eq!(merged(&[c1, c2], n), reference, "n={n} cuts={c1},{c2}");
                }
            }
        }
    }

    #[test]
    fn even_shards_reproduce_the_tree_for_many_unit_counts() {
        for n in [1u64, 2, 3, 5, 64, 100, 257, 1000] {
            let reference = whole(n);
            for shards in 1..=9u64 {
                let cuts: Vec<u64> = (1..shards).map(|k| n * k / shards).collect();
                assert_eq!(merged(&cuts, n), reference, "n={n} shards={shards}");
            }
        }
    }

    #[test]
    fn float_sums_are_bit_identical_and_differ_from_a_naive_fold() {
        // Values of wildly different magnitudes make the order of additions visible.
        let value = |u: u64| {
            let x = (u.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64;
            x * 10f64.powi((u % 17) as i32 - 8)
        };
        let n = 777;
        let mut r = Reducer::new(0);
        for u in 0..n {
            r.push_unit(value(u));
        }
        let single = r.finish().unwrap_or(f64::NAN);
        let naive: f64 = (0..n).map(value).sum();
        assert_ne!(single.to_bits(), naive.to_bits(), "test values too tame");
        for shards in [2u64, 3, 7, 13] {
            let mut r = Reducer::new(0);
            for k in 0..shards {
                for b in reduce_blocks(n * k / shards..n * (k + 1) / shards, value) {
                    r.push_block(b).unwrap_or_else(|e| panic!("{e}"));
                }
            }
            let m = r.finish().unwrap_or(f64::NAN);
            assert_eq!(m.to_bits(), single.to_bits(), "shards={shards}");
        }
    }

    #[test]
    fn stack_stays_logarithmic() {
        let mut r = Reducer::new(0);
        let mut max = 0;
        for _ in 0..100_000u64 {
            r.push_unit(0.0);
            max = max.max(r.stack.len());
        }
        assert!(max <= 17, "stack grew to {max}");
    }

    #[test]
    fn bad_block_sequences_are_refused() {
        let mut r = Reducer::<f64>::new(0);
        assert_eq!(
            r.push_block(Block {
                level: 1,
                first: 2,
                value: 0.0
            }),
            Err(ReduceError::NotContiguous {
                expected: 0,
                found: 2
            })
        );
        assert_eq!(
            r.push_block(Block {
                level: 2,
                first: 2,
                value: 0.0
            }),
            Err(ReduceError::Misaligned { first: 2, level: 2 })
        );
        let mut r = Reducer::<f64>::new(0);
        r.push_unit(1.0);
        r.push_unit(1.0);
        r.push_unit(1.0);
        // Units 0..3 leave levels 1 and 0 on the stack; a level-2 block cannot follow.
        assert_eq!(
            r.push_block(Block {
                level: 2,
                first: 3,
                value: 0.0
            }),
            Err(ReduceError::Misaligned { first: 3, level: 2 })
        );
        r.push_unit(1.0);
        assert_eq!(r.finish(), Some(4.0));
    }
}
