"""Trainers: dataset QA, locked mixes, SFT/QLoRA, merge, GGUF export, VRAM planner (installed as harness.trainers)."""
