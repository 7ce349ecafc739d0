using System.Runtime.InteropServices;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// The engine's small native library (<c>src/Core/Native/kernels.c</c>, compiled with gcc when the
/// project builds): inner loops that need instructions .NET has no intrinsics for, such as
/// AVX512_BF16's <c>vdpbf16ps</c>. Optional: where it was not built or does not load, the managed
/// kernels run instead, and <see cref="Problem"/> says why.
/// </summary>
public static unsafe class NativeKernels
{
    public const string FileName = "libfinetunemesh_kernels.so";

    /// <summary>Set to 0 to run the managed kernels only (to compare the two, or to rule the library out).</summary>
    public const string SwitchVariable = "FINETUNE_NATIVE_KERNELS";

    // The ABI the managed side was written for; kernels.c's ftm_version returns it.
    private const int ExpectedVersion = 2;

    private static readonly delegate* unmanaged<float*, ushort*, long, void> _toBFloat16;
    private static readonly delegate* unmanaged<ushort*, ushort*, float*, int, int, int, int, int, void> _bfloat16Rows;
    private static readonly delegate* unmanaged<byte*, sbyte*, float*, sbyte*, float*, float*, int, int, int, int, int, void> _q8Rows;

    static NativeKernels()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        if (Environment.GetEnvironmentVariable(SwitchVariable) == "0")
        {
            Problem = $"turned off by {SwitchVariable}=0";
            return;
        }

        if (!File.Exists(path))
        {
            Problem = $"{FileName} was not built (gcc was missing when the project built)";
            return;
        }

        if (!NativeLibrary.TryLoad(path, out var library))
        {
            Problem = $"{FileName} did not load";
            return;
        }

        var version = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "ftm_version");
        if (version() != ExpectedVersion)
        {
            Problem = $"{FileName} is version {version()}, not {ExpectedVersion}: rebuild the project";
            return;
        }

        _toBFloat16 = (delegate* unmanaged<float*, ushort*, long, void>)NativeLibrary.GetExport(library, "ftm_to_bf16");
        _bfloat16Rows = (delegate* unmanaged<ushort*, ushort*, float*, int, int, int, int, int, void>)NativeLibrary.GetExport(library, "ftm_bf16_rows");
        _q8Rows = (delegate* unmanaged<byte*, sbyte*, float*, sbyte*, float*, float*, int, int, int, int, int, void>)NativeLibrary.GetExport(library, "ftm_q8_rows");
        Loaded = true;
    }

    public static bool Loaded { get; }

    /// <summary>Why the library is not in use, or null when it is.</summary>
    public static string? Problem { get; }

    /// <summary>Whether bf16 weights can be multiplied with <c>vdpbf16ps</c> here: the library loaded and the CPU (after the switches) has AVX512_BF16.</summary>
    public static bool BFloat16DotProducts => Loaded && CpuFeatures.Current.Has("avx512_bf16");

    /// <summary>Whether q8_0 dot products can run on 512-bit VNNI (<c>vpdpbusd</c> on zmm, which .NET has no intrinsic for) here.</summary>
    public static bool Int8DotProducts => Loaded && CpuFeatures.Current.Has("avx512_vnni");

    /// <summary>fp32 to bf16 with round-to-nearest-even, as LibTorch casts. Needs AVX512_BF16.</summary>
    public static void ToBFloat16(float* source, ushort* destination, long count) => _toBFloat16(source, destination, count);

    /// <summary>
    /// Y[t, r] = Σc W[r, c]·X[t, c] for weight rows [start, end): bf16 weights [rows, cols], bf16
    /// activations [count, cols], fp32 results [count, rows]. Needs AVX512_BF16.
    /// </summary>
    public static void BFloat16Rows(ushort* weights, ushort* x, float* y, int rows, int cols, int count, int start, int end) =>
        _bfloat16Rows(weights, x, y, rows, cols, count, start, end);

    /// <summary>
    /// q8_0 products for weight rows [start, end), laid out as <see cref="Q8"/> lays them out:
    /// activation magnitudes and signed bytes [count, cols] with block scales [count, blocks];
    /// int8 weights [rows, cols] with block scales [rows, blocks]; fp32 results [count, rows].
    /// Needs AVX512_VNNI.
    /// </summary>
    public static void Q8Rows(byte* magnitudes, sbyte* signs, float* xScales, sbyte* weights, float* scales, float* y,
        int blocks, int rows, int count, int start, int end) =>
        _q8Rows(magnitudes, signs, xScales, weights, scales, y, blocks, rows, count, start, end);
}
