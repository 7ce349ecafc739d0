using FineTuneMesh.Core.Generation;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// No token for a keep-alive interval: the APIs turn it into a keep-alive on the wire (a
/// <c>Waiting</c> frame, an SSE comment), so that proxies see a live stream.
/// </summary>
/// <param name="Waited">Time since the last event, or since the stream began.</param>
public sealed record StillWaiting(TimeSpan Waited) : GenerationEvent;
