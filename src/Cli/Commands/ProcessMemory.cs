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
}
