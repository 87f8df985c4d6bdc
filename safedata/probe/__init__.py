"""`probe:` — ask the student each prompt K times and keep the prompts it fails (hard cases first)."""
