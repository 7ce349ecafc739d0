using System.Runtime.Intrinsics.X86;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// What this CPU does fast, detected once: the vector widths the decode kernels use, whether bf16
/// matrix products are native (AVX512_BF16 or AMX) or emulated by LibTorch (46x slower to train on
/// an AVX2-only Zen 1), and the int8 dot products (VNNI). Switches that take features away are
/// honoured, so one machine can stand in for the other class: <c>DOTNET_EnableAVX512F=0</c> (the
/// JIT's AVX-512), <c>ONEDNN_MAX_CPU_ISA</c> and <c>ATEN_CPU_CAPABILITY</c> (LibTorch's GEMMs and
/// kernels), and <c>FINETUNE_CPU_FEATURES</c> (a comma list such as "avx2,fma": only these count).
/// </summary>
public sealed record CpuFeatures(string Name, IReadOnlySet<string> Flags)
{
    public const string OverrideVariable = "FINETUNE_CPU_FEATURES";

    /// <summary>The flags (as /proc/cpuinfo spells them) that decide anything here.</summary>
    public static readonly string[] Known = ["avx2", "fma", "avx512f", "avx512_bf16", "avx_vnni", "avx512_vnni", "amx_bf16", "amx_int8"];

    private static readonly Lazy<CpuFeatures> _current = new(() =>
    {
        var detected = Detect(ReadCpuInfo(), Environment.GetEnvironmentVariable);
        return detected.NativeBFloat16 ? detected with { MeasuredBFloat16Speedup = GemmProbe.BFloat16Speedup() } : detected;
    });

    /// <summary>This machine, with bf16 GEMMs timed against fp32 where the flags promise native bf16.</summary>
    public static CpuFeatures Current => _current.Value;

    /// <summary>bf16 F.linear throughput over fp32's, measured on this machine (<see cref="GemmProbe"/>); null when not measured.</summary>
    public double? MeasuredBFloat16Speedup { get; init; }

    public bool Avx2 => Has("avx2") && Has("fma");
    public bool Avx512 => Has("avx512f");

    /// <summary>bf16 GEMMs run natively (AVX512_BF16 or AMX-BF16), not emulated through fp32.</summary>
    public bool NativeBFloat16 => Has("avx512_bf16") || Has("amx_bf16");

    /// <summary>
    /// bf16 GEMMs are both native and, where measured, at least as fast as fp32 ones: what the dtype
    /// choice goes by.
    /// </summary>
    public bool FastBFloat16 => NativeBFloat16 && (MeasuredBFloat16Speedup ?? 1) >= 1;

    public bool Vnni => Has("avx_vnni") || Has("avx512_vnni") || Has("amx_int8");

    /// <summary>"avx512-bf16", "avx512", "avx2" or "baseline": the class benchmarks and logs name.</summary>
    public string Class => NativeBFloat16 ? "avx512-bf16" : Avx512 ? "avx512" : Avx2 ? "avx2" : "baseline";

    /// <summary>The CPU and the features that matter, for logs and benchmark tables.</summary>
    public string Describe() => $"{Name} ({Class}: {(Flags.Count == 0 ? "none" : string.Join(" ", Known.Where(Has)))}"
        + (MeasuredBFloat16Speedup is { } speedup ? $"; bf16 GEMMs measured {speedup:F2}x fp32)" : ")");

    public bool Has(string flag) => Flags.Contains(flag);

    /// <summary>The features of a CPU with these /proc/cpuinfo lines, less what the switches turn off.</summary>
    public static CpuFeatures Detect(IReadOnlyList<string> cpuinfo, Func<string, string?> environment)
    {
        var name = cpuinfo.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim() == "model name")
            .Select(p => p[1].Trim()).FirstOrDefault() ?? "unknown CPU";
        var flags = cpuinfo.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim() == "flags")
            .SelectMany(p => p[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        flags.IntersectWith(Known);

        // What the .NET JIT will emit decides the managed kernels' paths.
        if (environment("DOTNET_EnableAVX512F") == "0" || environment("DOTNET_EnableAVX512") == "0")
        {
            flags.RemoveWhere(f => f.StartsWith("avx512", StringComparison.Ordinal));
        }

        // LibTorch held below AVX-512 BF16 computes bf16 GEMMs the slow way, whatever the CPU.
        var onednn = environment("ONEDNN_MAX_CPU_ISA")?.ToUpperInvariant();
        var aten = environment("ATEN_CPU_CAPABILITY")?.ToLowerInvariant();
        if (onednn is { Length: > 0 } && onednn != "ALL" && !onednn.Contains("BF16", StringComparison.Ordinal) && !onednn.Contains("AMX", StringComparison.Ordinal))
        {
            flags.ExceptWith(["avx512_bf16", "amx_bf16", "amx_int8"]);
            if (!onednn.Contains("AVX512", StringComparison.Ordinal))
            {
                flags.Remove("avx512_vnni");
            }
        }

        if (aten is "avx2" or "default")
        {
            flags.ExceptWith(["avx512_bf16", "amx_bf16", "amx_int8"]);
        }

        if (environment(OverrideVariable) is { Length: > 0 } only)
        {
            flags.IntersectWith(only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(f => f.ToLowerInvariant()));
        }

        return new CpuFeatures(name, flags);
    }

    private static IReadOnlyList<string> ReadCpuInfo()
    {
        try
        {
            // One processor's block is enough: the cores of one machine are alike.
            return File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0).ToList();
        }
        catch (IOException)
        {
            return FromIntrinsics();
        }
        catch (UnauthorizedAccessException)
        {
            return FromIntrinsics();
        }
    }

    // Where /proc/cpuinfo cannot be read: what the JIT reports (it cannot see bf16 or AMX).
    private static IReadOnlyList<string> FromIntrinsics() =>
    [
        "flags\t: " + string.Join(" ", new[]
        {
            System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "avx2" : null, Fma.IsSupported ? "fma" : null, Avx512F.IsSupported ? "avx512f" : null,
            AvxVnni.IsSupported ? "avx_vnni" : null,
        }.Where(f => f is not null)),
    ];
}
