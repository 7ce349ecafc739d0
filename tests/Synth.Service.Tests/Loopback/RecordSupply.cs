using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTuneMesh.Synth.Service.Tests.Loopback;

/// <summary>
/// Plays the model: answers "write N new examples" with the next N records of the sample dataset
/// (seeds skipped), so the examples are distinct and valid, as a good model's would be.
/// </summary>
public sealed partial class RecordSupply
{
    private readonly Queue<Dictionary<string, string>> _records;

    public RecordSupply() => _records = new(Sample.Dataset.Skip(2));

    public int Left => _records.Count;

    public static int Wanted(RecordedRequest request) =>
        WantedPattern().Match(request.PromptText) is { Success: true } match ? int.Parse(match.Groups[1].Value) : 1;

    public string Next(int count)
    {
        var batch = new List<Dictionary<string, string>>();
        while (batch.Count < count && _records.TryDequeue(out var record))
        {
            batch.Add(record);
        }

        return JsonSerializer.Serialize(new { examples = batch });
    }

    /// <summary>A default reply for <see cref="LoopbackLlmServer.Default"/>: as many records as the prompt asks for.</summary>
    public LoopbackReply Reply(RecordedRequest request) => LoopbackReply.Model(Next(Wanted(request)));

    [GeneratedRegex(@"Write (\d+) new examples")]
    private static partial Regex WantedPattern();
}
