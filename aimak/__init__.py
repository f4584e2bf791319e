"""Aimak: a platform for Kyrgyz local self-government."""

__version__ = "0.1.0"
