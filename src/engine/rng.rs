//! Random streams keyed as MODEL.md §3 requires: macro draws of path `i`
//! come from a stream keyed by (seed, i), a practice's draws from one keyed by
//! (seed, i, practice id). Streams never depend on chunking, threads, shards,
//! or which other practices and policies exist.
//!
//! Generator: `Xoshiro256PlusPlus`, a named portable generator whose output
//! rand_xoshiro guarantees across versions and platforms. The key is mixed
//! with the SplitMix64 finalizer and expanded by `seed_from_u64`.
//!
//! [`Streams`] runs [`LANES`] such streams side by side (the paths of one
//! group of the kernel), each lane's four state words together; each
//! lane's output is, number for number, its own `Xoshiro256PlusPlus`'s.

use std::convert::Infallible;

use rand::{SeedableRng, TryRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::lanes::LANES;

/// The key of the macro stream (FNV-1a of `<macro>`, which no practice id can equal).
pub const MACRO_KEY: u64 = fnv1a(b"<macro>");

/// The key of a practice's stream: FNV-1a (64-bit) of its id.
pub const fn practice_key(id: &str) -> u64 {
    fnv1a(id.as_bytes())
}

/// The key of the stream of one-off shocks of macro drivers (MODEL.md
/// v1.3 §3 `noise`): FNV-1a of `<noise>`.
pub const MACRO_NOISE_KEY: u64 = fnv1a(b"<noise>");

/// The key of the stream of shared shocks `w_t` (MODEL.md v1.3 §3
/// `shared`), one per path: FNV-1a of `<shared>`.
pub const SHARED_KEY: u64 = fnv1a(b"<shared>");

/// The key of a practice's stream of one-off shocks: FNV-1a of `<noise>`
/// followed by its id (no id contains `<`, so no practice's own stream and
/// no macro stream has this key).
pub const fn practice_noise_key(id: &str) -> u64 {
    fnv1a_from(MACRO_NOISE_KEY, id.as_bytes())
}

const fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(0xcbf2_9ce4_8422_2325u64, bytes)
}

/// FNV-1a continued from `hash` over `bytes`.
const fn fnv1a_from(start: u64, bytes: &[u8]) -> u64 {
    let mut hash = start;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// SplitMix64's finalizer: a bijective 64-bit mixer.
const fn mix(z: u64) -> u64 {
    let z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator for (seed, path, key).
#[inline]
pub fn stream(seed: u64, path: u64, key: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(mix(mix(seed) ^ path) ^ key))
}

/// [`LANES`] xoshiro256++ streams side by side: `s[lane]` is lane `lane`'s
/// generator state. (Laid out lane by lane: with the state word of every
/// lane side by side, the compiler mixed vector loads with scalar
/// rotations and stores of the same words, and each step waited on a
/// failed store-to-load forwarding.)
#[derive(Clone, Debug)]
pub(crate) struct Streams {
    s: [[u64; 4]; LANES],
}

impl Streams {
    /// Lane `l` is [`stream`]`(seed, paths[l], key)`.
    #[inline]
    pub(crate) fn new(seed: u64, paths: [u64; LANES], key: u64) -> Streams {
        let mut s = [[0u64; 4]; LANES];
        for (lane, path) in paths.into_iter().enumerate() {
            // rand_xoshiro's own seeding, read back as its four state words.
            let state = stream(seed, path, key).state();
            for (k, word) in state.chunks_exact(8).enumerate() {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(word);
                s[lane][k] = u64::from_le_bytes(bytes);
            }
        }
        Streams { s }
    }

    /// The next output of every lane (xoshiro256++: rand_xoshiro's step,
    /// lane by lane).
    #[inline(always)]
    pub(crate) fn next(&mut self) -> [u64; LANES] {
        std::array::from_fn(|lane| self.next_of(lane))
    }

    /// Lane `lane`'s generator on its own (for the draws that are not made
    /// side by side: rejections, PERT).
    #[inline(always)]
    pub(crate) fn lane(&mut self, lane: usize) -> Lane<'_> {
        Lane { streams: self, lane }
    }

    /// Lane `lane`'s next output.
    #[inline(always)]
    fn next_of(&mut self, lane: usize) -> u64 {
        let [s0, s1, s2, s3] = &mut self.s[lane % LANES];
        let out = s0.wrapping_add(*s3).rotate_left(23).wrapping_add(*s0);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        out
    }
}

/// One lane of [`Streams`] as a generator.
pub(crate) struct Lane<'a> {
    streams: &'a mut Streams,
    lane: usize,
}

impl TryRng for Lane<'_> {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        // rand_xoshiro's: the high half of the next u64.
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.streams.next_of(self.lane))
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand::rand_core::utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Each lane of [`Streams`] is its own `Xoshiro256PlusPlus`, whether it
    /// steps with the others or alone, and in every output width.
    #[test]
    fn side_by_side_streams_are_the_scalar_streams() {
        let paths = [0, 1, 77, u64::MAX];
        let mut scalar: Vec<Xoshiro256PlusPlus> = paths.iter().map(|&p| stream(5, p, MACRO_KEY)).collect();
        let mut lanes = Streams::new(5, paths, MACRO_KEY);
        for round in 0..1000 {
            if round % 7 == 3 {
                let lane = round % LANES;
                let mut one = lanes.lane(lane);
                assert_eq!(one.next_u64(), scalar[lane].next_u64());
                assert_eq!(one.next_u32(), scalar[lane].next_u32());
                let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
                one.fill_bytes(&mut a);
                scalar[lane].fill_bytes(&mut b);
                assert_eq!(a, b);
            }
            let got = lanes.next();
            for (lane, rng) in scalar.iter_mut().enumerate() {
                assert_eq!(got[lane], rng.next_u64());
            }
        }
    }

    #[test]
    fn streams_are_fixed_by_their_key() {
        // Pinned output: a change here changes every published number. The
        // literals were computed independently in Python from the algorithms
        // above (FNV-1a 64; SplitMix64 finalizer; rand_xoshiro's
        // seed_from_u64 = four SplitMix64 outputs; xoshiro256++ next):
        //   fnv(b"<macro>") = 0x7c538be4d0c9676d, fnv(b"clinic") = 0x9932bd3e610204c5
        //   stream(s, p, k) = xoshiro(mix(mix(mix(s) ^ p) ^ k))
        assert_eq!(MACRO_KEY, 0x7c53_8be4_d0c9_676d);
        assert_eq!(practice_key("clinic"), 0x9932_bd3e_6102_04c5);
        let mut rng = stream(20261127, 0, MACRO_KEY);
        let first_three = [rng.next_u64(), rng.next_u64(), rng.next_u64()];
        assert_eq!(first_three, [7285292682261202723, 7485229369088479368, 6633247375449585568]);
        assert_eq!(stream(20261127, 1, MACRO_KEY).next_u64(), 15928919485407884642);
        assert_eq!(stream(20261127, 0, practice_key("clinic")).next_u64(), 321320332903095406);
    }
}
