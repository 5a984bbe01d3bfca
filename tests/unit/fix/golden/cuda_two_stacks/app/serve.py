"""Embeds with torch on the GPU, ranks with an ONNX model on CUDA."""

import numpy
import onnxruntime
import torch

SESSION = onnxruntime.InferenceSession("ranker.onnx", providers=["CUDAExecutionProvider"])
DEVICE = torch.device("cuda")
__all__ = ["numpy"]
