"""The demo of the national programme: synthetic data shaped on the published figures, and (later) the
orchestration of the hub and five regional nodes behind ``kopiena demo``."""
