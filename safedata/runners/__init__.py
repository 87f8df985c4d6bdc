"""Runners drive stages over blocks of rows; the contract they share is in `safedata.runners.contract`."""
