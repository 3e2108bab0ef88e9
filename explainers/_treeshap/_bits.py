"""Bit helpers for numba: count-trailing-zeros via the LLVM intrinsic."""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic


def _cttz64(typingctx: Any, value: Any) -> Any:
    sig = types.uint64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        (val,) = args
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.cttz.i64")
        return builder.call(fn, [val, ir.Constant(ir.IntType(1), 1)])

    return sig, codegen


cttz64: Any = intrinsic(_cttz64)
"""``cttz64(v)``: index of the lowest set bit of a non-zero uint64 (inside numba code)."""
