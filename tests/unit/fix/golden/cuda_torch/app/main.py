"""A GPU text classifier behind FastAPI (only the imports matter to fix)."""

import torch
from fastapi import FastAPI
from transformers import pipeline

app = FastAPI()
classify = pipeline("text-classification", device=0 if torch.cuda.is_available() else -1)
