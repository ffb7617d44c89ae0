// The seeded random source shared by the generators (generate.mjs, tokens.mjs): mulberry32 and
// the helpers built on it. Nothing else that varies between runs, so the same seed always gives
// the same output.

export function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The helpers over one stream of numbers from `seed`.
export function seeded(seed) {
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n);
  return {
    rnd,
    int,
    between: (lo, hi) => lo + int(hi - lo + 1),
    pick: (arr) => arr[int(arr.length)],
    chance: (p) => rnd() < p,
    alnum: (len) => {
      const cs = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
      let s = "";
      for (let i = 0; i < len; i++) s += cs[int(cs.length)];
      return s;
    },
  };
}
