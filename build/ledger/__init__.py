"""287(g) Ledger: the build step that turns ICE's published 287(g) lists into a public record."""

__version__ = "0.1.0"
