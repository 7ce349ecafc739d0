using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FineTuneMesh.Inference.V1;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>
/// Continuous batching through the real service: concurrent gRPC streams on the base model and on
/// adapters share decode steps (the batch-size metric says so) and each gets the tokens it gets alone.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class BatchedDecodingTests(TinyModelFixture tiny)
{
    [Fact]
    public async Task ConcurrentStreams_ShareSteps_AndEachGetsItsTokensAlone()
    {
        var requests = new[]
        {
            ("The quick brown fox", ""), ("def main():", TinyModelFixture.AdapterName), ("Hello there", TinyModelFixture.OtherAdapterName),
            ("Once upon a time", ""),
        };
        var alone = new List<string>();
        foreach (var (prompt, adapter) in requests)
        {
            alone.Add(await Generate(prompt, adapter));
        }

        var sizes = new ConcurrentQueue<int>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TelemetryNames.Inference && instrument.Name == "finetunemesh.inference.batch_size")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => sizes.Enqueue(value));
        listener.Start();

        var together = await Task.WhenAll(requests.Select(r => Generate(r.Item1, r.Item2)));

        Assert.Equal(alone, together);
        Assert.Contains(sizes, size => size > 1);
    }

    private async Task<string> Generate(string prompt, string adapter)
    {
        using var call = tiny.Server.Client.Generate(new GenerateRequest
        {
            Prompt = prompt,
            Adapter = adapter,
            Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = 40 },
        });
        return (await StreamedGeneration.ReadAsync(call)).Text;
    }
}
