using CoreChatMessage = FineTuneMesh.Prompts.ChatMessage;
using CoreDelta = FineTuneMesh.Core.Generation.TokenDelta;
using CoreFinishReason = FineTuneMesh.Core.Generation.FinishReason;
using CoreSummary = FineTuneMesh.Core.Generation.GenerationSummary;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Inference.V1;
using FineTuneMesh.ServiceDefaults;
using Grpc.Core;
using InferenceBase = FineTuneMesh.Inference.V1.Inference.InferenceBase;

namespace FineTuneMesh.Inference.Service.Grpc;

/// <summary>
/// The Inference gRPC API over the shared <see cref="GenerationRunner"/>: Generate translates the
/// request, starts the generation (admission, adapter, checks) and is the only writer of the
/// response stream. A cancelled call or an expired deadline (both end
/// <see cref="ServerCallContext.CancellationToken"/>) stops the decode loop after the current step.
/// A request that waits (for a slot in the queue, or for its next token) gets a <c>Waiting</c>
/// frame every keep-alive interval: its response has begun, so no proxy cuts it for silence.
/// </summary>
public sealed class InferenceService(GenerationRunner runner, AdapterRegistry adapters) : InferenceBase
{
    public const string RetryAfterKey = "retry-after-ms";

    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var generation = ToGeneration(request);
        var stream = await GuardAsync(() => runner.StartAsync(generation, cancellationToken,
            (waited, token) => responseStream.WriteAsync(Waiting(queued: true, waited), token))).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await GuardAsync(async () =>
            {
                await foreach (var item in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    var frame = item switch
                    {
                        CoreDelta delta => new GenerateResponse { Delta = ToProto(delta) },
                        CoreSummary summary => new GenerateResponse { Summary = ToProto(summary) },
                        StillWaiting still => Waiting(queued: false, still.Waited),
                        _ => null,
                    };
                    if (frame is not null)
                    {
                        await responseStream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                    }
                }

                return 0;
            }).ConfigureAwait(false);
        }
    }

    public override async Task<ListAdaptersResponse> ListAdapters(ListAdaptersRequest request, ServerCallContext context)
    {
        var response = new ListAdaptersResponse();
        response.Adapters.AddRange((await adapters.ListAllAsync(context.CancellationToken).ConfigureAwait(false)).Select(ToProto));
        return response;
    }

    public override async Task<LoadAdapterResponse> LoadAdapter(LoadAdapterRequest request, ServerCallContext context)
    {
        var description = await GuardAsync(() => adapters.LoadAsync(request.Name, context.CancellationToken)).ConfigureAwait(false);
        return new LoadAdapterResponse { Adapter = ToProto(description) };
    }

    public override async Task<UnloadAdapterResponse> UnloadAdapter(UnloadAdapterRequest request, ServerCallContext context)
    {
        if (adapters.Unload(request.Name))
        {
            return new UnloadAdapterResponse { Unloaded = true };
        }

        // Not loaded: say whether the name is malformed or unknown rather than just "false".
        await GuardAsync(() =>
        {
            adapters.Validate(request.Name);
            return Task.FromResult(0);
        }).ConfigureAwait(false);
        return new UnloadAdapterResponse { Unloaded = false };
    }

    private static GenerateResponse Waiting(bool queued, TimeSpan waited) =>
        new() { Waiting = new Waiting { Queued = queued, WaitedMs = waited.TotalMilliseconds } };

    private static GenerationRequest ToGeneration(GenerateRequest request)
    {
        var sampling = request.Sampling ?? new SamplingParams();
        return new GenerationRequest
        {
            Prompt = request.InputCase == GenerateRequest.InputOneofCase.Prompt ? request.Prompt : null,
            Messages = request.InputCase == GenerateRequest.InputOneofCase.Messages
                ? [.. request.Messages.Messages.Select(m => new CoreChatMessage(m.Role, m.Content))]
                : null,
            Adapter = request.Adapter,
            Temperature = sampling.HasTemperature ? sampling.Temperature : null,
            TopK = sampling.HasTopK ? sampling.TopK : null,
            TopP = sampling.HasTopP ? sampling.TopP : null,
            MinP = sampling.HasMinP ? sampling.MinP : null,
            RepetitionPenalty = sampling.HasRepetitionPenalty ? sampling.RepetitionPenalty : null,
            Seed = sampling.HasSeed ? sampling.Seed : null,
            MaxTokens = sampling.HasMaxTokens ? sampling.MaxTokens : null,
            Stop = [.. request.Stop],
        };
    }

    /// <summary>Runs a step, turning the runner's, the engine's and the registry's exceptions into gRPC statuses.</summary>
    private static async Task<T> GuardAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (ToRpc(e) is { } rpc)
        {
            throw rpc;
        }
    }

    private static RpcException? ToRpc(Exception e) => ToRpc(e, ServerPaths.Redact(e.Message));

    private static RpcException? ToRpc(Exception e, string message) => e switch
    {
        ModelNotReadyException => new RpcException(new Status(StatusCode.Unavailable, message)),
        ServerBusyException busy => new RpcException(new Status(StatusCode.ResourceExhausted, message),
            new Metadata { { RetryAfterKey, busy.RetryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture) } }),
        AdapterNotFoundException => new RpcException(new Status(StatusCode.NotFound, message)),
        ArgumentException or NotSupportedException => new RpcException(new Status(StatusCode.InvalidArgument, message)),
        InvalidDataException or FileNotFoundException => new RpcException(new Status(StatusCode.FailedPrecondition, message)),
        _ => null,
    };

    private static TokenDelta ToProto(CoreDelta delta)
    {
        var proto = new TokenDelta { Text = delta.Text };
        proto.TokenIds.AddRange(delta.TokenIds);
        return proto;
    }

    private static GenerationSummary ToProto(CoreSummary summary) => new()
    {
        FinishReason = summary.FinishReason switch
        {
            CoreFinishReason.Stop => FinishReason.Stop,
            CoreFinishReason.Length => FinishReason.Length,
            CoreFinishReason.Cancelled => FinishReason.Cancelled,
            _ => FinishReason.Unspecified,
        },
        PromptTokens = summary.PromptTokens,
        CompletionTokens = summary.CompletionTokens,
        TimeToFirstTokenMs = summary.TimeToFirstToken.TotalMilliseconds,
        TokensPerSecond = summary.TokensPerSecond,
    };

    private static AdapterInfo ToProto(AdapterDescription adapter)
    {
        var proto = new AdapterInfo
        {
            Name = adapter.Name,
            Loaded = adapter.Loaded,
            Rank = adapter.Rank,
            Alpha = adapter.Alpha,
            Error = adapter.Error ?? "",
        };
        proto.TargetModules.AddRange(adapter.TargetModules);
        return proto;
    }
}
