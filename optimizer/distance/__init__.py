"""The distance oracle: numba kernels over precomputed junction distances."""

from optimizer.distance.oracle import DistanceOracle

__all__ = ["DistanceOracle"]
