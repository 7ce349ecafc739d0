using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FineTuneMesh.Inference.V1;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Inference.Service.Tests;

[Collection(InferenceCollection.Name)]
public sealed class TelemetryTests(TinyModelFixture tiny)
{
    [Fact]
    public async Task AFinishedGenerationIsCountedWithItsReasonAndTokens()
    {
        var measurements = new ConcurrentQueue<(string Instrument, long Value, string? Tag)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TelemetryNames.Inference)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, tags.Length > 0 ? tags[0].Value?.ToString() : null)));
        listener.Start();

        using var call = tiny.Server.Client.Generate(new GenerateRequest
        {
            Prompt = "hello",
            Sampling = new SamplingParams { Temperature = 0, MaxTokens = 7 },
        });
        await StreamedGeneration.ReadAsync(call);

        Assert.Contains(("finetunemesh.inference.generations", 1L, (string?)"length"), measurements);
        Assert.Contains(("finetunemesh.inference.tokens", 7L, (string?)"output"), measurements);
    }
}
