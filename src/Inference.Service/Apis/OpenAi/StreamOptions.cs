namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary><c>stream_options</c>: with <see cref="IncludeUsage"/> a last chunk carries the usage.</summary>
public sealed record StreamOptions
{
    public bool IncludeUsage { get; init; }
}
