using System.Runtime.InteropServices;

namespace FineTuneMesh.Cli.Commands;

/// <summary>Reads this process's memory use from /proc (Linux); 0 elsewhere.</summary>
public static class ProcessMemory
{
    /// <summary>The peak resident set (VmHWM) in MB.</summary>
    public static double PeakRssMegabytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }

    /// <summary>Resets the peak to the current resident set (Linux 4.0+), so a peak can be measured per phase.</summary>
    /// <returns>whether the kernel accepted the reset</returns>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Hands memory that glibc's malloc keeps after frees back to the system, so that a peak measured
    /// next does not carry what an earlier phase (a disposed fp32 model) left behind.
    /// </summary>
    public static void TrimAllocator()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, jemalloc preloaded without the symbol): nothing to trim.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
