using FineTuneMesh.Inference.V1;
using Grpc.Core;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>Every frame of one Generate call, in order.</summary>
public sealed record StreamedGeneration(IReadOnlyList<GenerateResponse> Frames)
{
    public IReadOnlyList<TokenDelta> Deltas => [.. Frames.Where(f => f.FrameCase == GenerateResponse.FrameOneofCase.Delta).Select(f => f.Delta)];

    public IReadOnlyList<GenerationSummary> Summaries => [.. Frames.Where(f => f.FrameCase == GenerateResponse.FrameOneofCase.Summary).Select(f => f.Summary)];

    public string Text => string.Concat(Deltas.Select(d => d.Text));

    public static async Task<StreamedGeneration> ReadAsync(AsyncServerStreamingCall<GenerateResponse> call, CancellationToken cancellationToken = default)
    {
        var frames = new List<GenerateResponse>();
        await foreach (var frame in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            frames.Add(frame);
        }

        return new StreamedGeneration(frames);
    }
}
