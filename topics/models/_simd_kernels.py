"""``lda-numba``'s ``sampler="simd"``: an exact collapsed Gibbs sweep whose per-token work
lives in 16-lane float32 vector registers (AVX-512 where the CPU has it; LLVM splits the
vectors into halves or quarters elsewhere).

numba has no vector type, so this module adds one (`F32x16`, an LLVM ``<16 x float>``
value) and the handful of operations the sampler needs, each an ``@intrinsic`` written in
LLVM IR: load, blend one lane, multiply, the inclusive prefix sum (four shift-and-add
steps) and the count of lanes at or below a threshold (a compare and a popcount). A local
variable of that type is a register, not memory, so updating one lane of the cable's
coefficients never makes the next vector load wait on a scalar store (the store-to-load
forwarding stall measured in docs/engines.md).

The kernel source is generated for the number of 16-topic blocks (``ceil(K / 16)``, at
most `MAX_BLOCKS`) and compiled on first use for that number.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

from topics.models._sparse_kernels import _next

__all__ = ["LANES", "MAX_BLOCKS", "aligned", "kernel", "pad_counts", "padded"]

LANES = 16
MAX_BLOCKS = 8  # K <= 128
_F32 = ir.FloatType()
_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
_VF = ir.VectorType(_F32, LANES)
_VI = ir.VectorType(_I32, LANES)
_IOTA = ir.Constant(_VI, list(range(LANES)))
_ZERO = ir.Constant(_VF, [0.0] * LANES)


class F32x16Type(types.Type):
    """Sixteen float32 lanes held in a register."""

    def __init__(self):
        super().__init__(name="F32x16")


f32x16 = F32x16Type()


@register_model(F32x16Type)
class _F32x16Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VF)


def _data(context, builder, arrty, arr, off, vty):
    """Pointer to ``arr[off]`` as a vector pointer."""
    ary = context.make_array(arrty)(context, builder, arr)
    return builder.bitcast(builder.gep(ary.data, [off]), vty.as_pointer())


def _i64(context, builder, val, ty):
    return context.cast(builder, val, ty, types.int64)


def _splat(builder, val, vty):
    v = builder.insert_element(ir.Constant(vty, ir.Undefined), val, ir.Constant(_I32, 0))
    return builder.shuffle_vector(v, ir.Constant(vty, ir.Undefined),
                                  ir.Constant(_VI, [0] * LANES))


def _lane_mask(context, builder, lane, ty):
    """``iota == lane`` (no lane matches when ``lane`` is outside 0..15)."""
    lane32 = builder.trunc(_i64(context, builder, lane, ty), _I32)
    return builder.icmp_signed("==", _IOTA, _splat(builder, lane32, _VI))


@intrinsic
def vload(typingctx, arr, off):
    """``arr[off:off + 16]`` (float32, ``off`` a multiple of 16 in an aligned array)."""
    def codegen(context, builder, sig, args):
        p = _data(context, builder, sig.args[0], args[0],
                  _i64(context, builder, args[1], sig.args[1]), _VF)
        return builder.load(p, align=64)
    return f32x16(arr, off), codegen


@intrinsic
def vrow(typingctx, counts, off, beta):
    """``counts[off:off + 16] + beta`` as float32 (``counts`` int32, aligned)."""
    def codegen(context, builder, sig, args):
        p = _data(context, builder, sig.args[0], args[0],
                  _i64(context, builder, args[1], sig.args[1]), _VI)
        v = builder.sitofp(builder.load(p, align=64), _VF)
        b = context.cast(builder, args[2], sig.args[2], types.float32)
        return builder.fadd(v, _splat(builder, b, _VF))
    return f32x16(counts, off, beta), codegen


@intrinsic
def vset(typingctx, v, lane, val):
    """``v`` with lane ``lane`` set to ``val`` (unchanged when ``lane`` is not in 0..15)."""
    def codegen(context, builder, sig, args):
        m = _lane_mask(context, builder, args[1], sig.args[1])
        x = context.cast(builder, args[2], sig.args[2], types.float32)
        return builder.select(m, _splat(builder, x, _VF), args[0])
    return f32x16(v, lane, val), codegen


@intrinsic
def vtake(typingctx, v, w, lane):
    """``v`` with lane ``lane`` taken from ``w``."""
    def codegen(context, builder, sig, args):
        m = _lane_mask(context, builder, args[2], sig.args[2])
        return builder.select(m, args[1], args[0])
    return f32x16(v, w, lane), codegen


@intrinsic
def vbump(typingctx, v, lane, delta):
    """``v`` with ``delta`` added to lane ``lane``."""
    def codegen(context, builder, sig, args):
        m = _lane_mask(context, builder, args[1], sig.args[1])
        x = context.cast(builder, args[2], sig.args[2], types.float32)
        return builder.select(m, builder.fadd(args[0], _splat(builder, x, _VF)), args[0])
    return f32x16(v, lane, delta), codegen


@intrinsic
def vmul(typingctx, a, b):
    def codegen(context, builder, sig, args):
        return builder.fmul(args[0], args[1])
    return f32x16(a, b), codegen


@intrinsic
def vprefix(typingctx, v):
    """Inclusive prefix sums of the 16 lanes (four shift-and-add steps)."""
    def codegen(context, builder, sig, args):
        x = args[0]
        for s in (1, 2, 4, 8):
            idx = [LANES if j < s else j - s for j in range(LANES)]
            t = builder.shuffle_vector(x, _ZERO, ir.Constant(_VI, idx))
            x = builder.fadd(x, t)
        return x
    return f32x16(v), codegen


@intrinsic
def vlast(typingctx, v):
    """Lane 15."""
    def codegen(context, builder, sig, args):
        return builder.extract_element(args[0], ir.Constant(_I32, LANES - 1))
    return types.float32(v), codegen


@intrinsic
def vcount(typingctx, v, thr):
    """Number of lanes ``<= thr``."""
    def codegen(context, builder, sig, args):
        t = context.cast(builder, args[1], sig.args[1], types.float32)
        m = builder.fcmp_ordered("<=", args[0], _splat(builder, t, _VF))
        bits = builder.bitcast(m, ir.IntType(LANES))
        fn = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(LANES)])
        return builder.zext(builder.call(fn, [bits]), _I64)
    return types.int64(v, thr), codegen


@intrinsic
def prefetch_row(typingctx, arr, off, lines):
    """Prefetch ``lines`` cache lines from ``arr[off]`` (a hint; no effect on results)."""
    if not isinstance(lines, types.IntegerLiteral):
        return None

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        p = builder.gep(ary.data, [_i64(context, builder, args[1], sig.args[1])])
        p8 = builder.bitcast(p, ir.IntType(8).as_pointer())
        fnty = ir.FunctionType(ir.VoidType(), [p8.type, _I32, _I32, _I32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        for line in range(lines.literal_value):
            q = builder.gep(p8, [ir.Constant(_I64, 64 * line)])
            builder.call(fn, [q, ir.Constant(_I32, 0), ir.Constant(_I32, 3),
                              ir.Constant(_I32, 1)])
        return context.get_dummy_value()
    return types.void(arr, off, lines), codegen


def aligned(n: int, dtype, fill=0) -> np.ndarray:
    """A zeroed 1-D array of ``n`` items whose data starts on 64 bytes (or filled with
    ``fill``: a scalar, or ``n`` items to copy)."""
    dtype = np.dtype(dtype)
    buf = np.empty(n * dtype.itemsize + 64, np.uint8)
    off = (-buf.ctypes.data) % 64
    out = buf[off:off + n * dtype.itemsize].view(dtype)
    out[:] = fill
    return out


def padded(n_topics: int) -> int:
    """``n_topics`` rounded up to whole 16-lane blocks."""
    return -(-int(n_topics) // LANES) * LANES


def pad_counts(nkw: np.ndarray) -> np.ndarray:
    """The ``[V, K]`` topic-term counts as a flat, 64-byte aligned int32 array of ``V``
    rows of ``16 * ceil(K / 16)`` (the padding columns stay 0)."""
    n_terms, k = nkw.shape
    kp = padded(k)
    out = aligned(n_terms * kp, np.int32)
    out.reshape(n_terms, kp)[:, :k] = nkw
    return out


# ---------------------------------------------------------------- the generated kernel
_TEMPLATE = '''
def sample_simd(ptr, words, z, ndk, nkwp, nk, alpha, beta, n_terms, d_lo, d_hi, state,
                stride, offset, scratch):
    n_topics = nk.shape[0]
    kp = {kp}
    vbeta = beta * n_terms
    fbeta = np.float32(beta)
    n_tok = words.shape[0]
    x = state
    n = d_hi - d_lo
    cur = scratch[0]
    plus = scratch[1]
    minus = scratch[2]
    for jd in range(n):
        d = d_lo + (jd * stride + offset) % n
        a = ptr[d]
        b = ptr[d + 1]
        if a == b:
            continue
        for k in range(n_topics):
            c = ndk[d, k] + alpha[k]
            m = nk[k] + vbeta
            cur[k] = c / m
            plus[k] = (c + 1.0) / (m + 1.0)
            minus[k] = (c - 1.0) / (m - 1.0)
{load}
        last_w = -1
        for i in range(a, b):
            w = words[i]
            old = z[i]
            row = w * kp
            if i + 8 < n_tok:  # the row of the token 8 ahead (3% faster than 4 or 2)
                prefetch_row(nkwp, words[i + 8] * kp, {lines})
            if w != last_w:
{row}
            # ---- remove the token: its lane takes the "minus one" coefficient
            ndk[d, old] -= 1
            nk[old] -= 1
            nkwp[row + old] -= 1
            down = (ndk[d, old] - 1.0 + alpha[old]) / (nk[old] - 1.0 + vbeta)
{remove}
            # ---- the K products, their prefix sums, the draw
{prefix}
            x, u = _next(x)
            thr = np.float32(u) * t{nb}
            new = min({count}, n_topics - 1)
            # ---- add it back: the new lane takes the "plus one" coefficient
            ndk[d, new] += 1
            nk[new] += 1
            nkwp[row + new] += 1
            z[i] = new
            up = (ndk[d, new] + 1.0 + alpha[new]) / (nk[new] + 1.0 + vbeta)
{add}
            last_w = w
    return x
'''


def _source(nb: int) -> str:
    def lines(fmt: str, indent: int) -> str:
        return "\n".join(" " * indent + fmt.format(b=b, o=b * LANES) for b in range(nb))

    load = lines("c{b} = vload(cur, {o}); p{b} = vload(plus, {o}); m{b} = vload(minus, {o})", 8)
    row = lines("r{b} = vrow(nkwp, row + {o}, fbeta)", 16)
    remove = lines("r{b} = vbump(r{b}, old - {o}, -1.0); c{b}, p{b}, m{b} = "
                   "vtake(c{b}, m{b}, old - {o}), vtake(p{b}, c{b}, old - {o}), "
                   "vset(m{b}, old - {o}, down)", 12)
    prefix = lines("q{b} = vprefix(vmul(c{b}, r{b}))", 12)
    prefix += "\n" + " " * 12 + "t0 = np.float32(0.0)\n"
    prefix += "\n".join(" " * 12 + f"t{b + 1} = t{b} + vlast(q{b})" for b in range(nb))
    count = " + ".join(f"vcount(q{b}, thr - t{b})" for b in range(nb))
    add = lines("r{b} = vbump(r{b}, new - {o}, 1.0); c{b}, p{b}, m{b} = "
                "vtake(c{b}, p{b}, new - {o}), vset(p{b}, new - {o}, up), "
                "vtake(m{b}, c{b}, new - {o})", 12)
    return _TEMPLATE.format(kp=nb * LANES, lines=min(nb, 4), load=load, row=row,
                            remove=remove, prefix=prefix, nb=nb, count=count, add=add)


_KERNELS: dict[int, object] = {}


def kernel(n_topics: int):
    """The compiled sweep for ``n_topics`` topics (``ceil(K / 16) <= MAX_BLOCKS``)."""
    nb = -(-int(n_topics) // LANES)
    if not 1 <= nb <= MAX_BLOCKS:
        raise ValueError(f"sampler 'simd' handles 1 to {MAX_BLOCKS * LANES} topics; "
                         f"got {n_topics}")
    if nb not in _KERNELS:
        scope = {"np": np, "vload": vload, "vrow": vrow, "vset": vset, "vtake": vtake,
                 "vbump": vbump, "vmul": vmul, "vprefix": vprefix, "vlast": vlast,
                 "vcount": vcount, "prefetch_row": prefetch_row, "_next": _next}
        exec(compile(_source(nb), f"<sample_simd, {nb} blocks>", "exec"), scope)  # noqa: S102
        _KERNELS[nb] = njit(fastmath=True, nogil=True, error_model="numpy")(
            scope["sample_simd"])
    return _KERNELS[nb]
