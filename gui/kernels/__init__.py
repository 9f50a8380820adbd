"""The Kernels tab: one convolution layer set by hand, on any image."""
