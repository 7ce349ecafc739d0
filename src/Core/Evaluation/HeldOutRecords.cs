using FineTuneMesh.Core.Data;
using FineTuneMesh.Core.Training;

namespace FineTuneMesh.Core.Evaluation;

/// <summary>
/// The template records a job held out: the same seeded split <see cref="TrainingPlan.HoldOut"/>
/// made of the file's records (or every record of a second file), keeping only template records
/// (not chat or prompt/completion ones), at most <c>max</c> of them: what is answered to score adherence.
/// </summary>
public static class HeldOutRecords
{
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Select(string dataPath, string? heldOutPath, double fraction, long seed, int max)
    {
        var lines = JsonLines.ReadObjects(heldOutPath ?? dataPath).ToList();
        var heldOut = heldOutPath is not null ? Enumerable.Range(0, lines.Count) : TrainingPlan.HeldOutIndices(lines.Count, fraction, seed);
        return [.. heldOut
            .Select(i => lines[i])
            .Where(line => !line.Record.TryGetProperty("messages", out _) && !line.Record.TryGetProperty("prompt", out _))
            .Take(max)
            .Select(line => (IReadOnlyDictionary<string, string>)JsonLines.StringFields(line.Record, line.Source))];
    }
}
