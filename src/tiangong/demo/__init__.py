"""Synthetic, realistic canonical data (enterprises, events, tenancies) at any scale."""

from tiangong.demo.generator import SCALES, generate, write_canonical

__all__ = ["SCALES", "generate", "write_canonical"]
