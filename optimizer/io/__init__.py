"""Readers and writers: layouts, orders, public benchmark formats."""

from optimizer.io.hessler_irnich import read_sprp

__all__ = ["read_sprp"]
