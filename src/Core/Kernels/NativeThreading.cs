using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// Makes LibTorch's OpenMP threads sleep, not spin, between parallel regions. By default they
/// spin for a while after each op and so steal the cores that the decode kernels and the next
/// small ops need: measured here, a Qwen2.5-0.5B-shaped bf16 decode step took 88 ms with spinning
/// threads and 50 ms without. OpenMP reads the setting once, when LibTorch loads, so it is set in
/// the native environment (setenv; .NET's own Environment does not reach native code on Unix)
/// as this assembly loads. A value the user set is left alone.
/// </summary>
internal static partial class NativeThreading
{
    private const string WaitPolicy = "OMP_WAIT_POLICY";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "Must run before LibTorch (and its OpenMP) loads.")]
    internal static void PreferSleepingOpenMpThreads()
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(WaitPolicy) is null)
        {
            _ = SetEnvironment(WaitPolicy, "PASSIVE", overwrite: 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
