using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Kernels;

/// <summary>Raw addresses of CPU tensor storage, for the vector kernels.</summary>
public static class TensorPointers
{
    /// <summary>The address of the tensor's first element (CPU, contiguous).</summary>
    public static unsafe nint DataPointer(this Tensor tensor) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
