using System.Threading.Channels;
using FineTuneMesh.Core;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Inference.Service.Telemetry;
using FineTuneMesh.Inference.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using CoreChatMessage = FineTuneMesh.Core.Prompts.ChatMessage;
using CoreDelta = FineTuneMesh.Core.Generation.TokenDelta;
using CoreFinishReason = FineTuneMesh.Core.Generation.FinishReason;
using CoreSummary = FineTuneMesh.Core.Generation.GenerationSummary;
using InferenceBase = FineTuneMesh.Inference.V1.Inference.InferenceBase;
using SamplingOptions = FineTuneMesh.Core.Generation.SamplingOptions;

namespace FineTuneMesh.Inference.Service.Grpc;

/// <summary>
/// The Inference gRPC API. Generate checks the request, takes a slot in the admission queue, and
/// then runs the decode loop on its own task writing frames into a bounded channel; this method
/// is the only writer of the response stream. A cancelled call or an expired deadline stops the
/// decode loop after the current step.
/// </summary>
public sealed class InferenceService(
    ModelHost host,
    AdapterRegistry adapters,
    AdmissionQueue admission,
    InferenceTelemetry telemetry,
    IOptions<InferenceOptions> options,
    ILogger<InferenceService> logger) : InferenceBase
{
    public const string RetryAfterKey = "retry-after-ms";

    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!host.IsLoaded)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the base model is still loading; retry shortly."));
        }

        var (promptIds, sampling) = Prepare(request, host.Model);
        if (request.Adapter.Length > 0)
        {
            Guard(() => adapters.FolderOf(request.Adapter));
        }

        if (!await admission.TryEnterAsync(cancellationToken).ConfigureAwait(false))
        {
            Log.GenerationRefused(logger, options.Value.MaxConcurrentGenerations);
            telemetry.Refused();
            throw new RpcException(
                new Status(StatusCode.ResourceExhausted,
                    $"the server is busy: {options.Value.MaxConcurrentGenerations} generation(s) running and {options.Value.MaxQueuedGenerations} queued; retry after {options.Value.RetryAfterMs} ms."),
                new Metadata { { RetryAfterKey, options.Value.RetryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        }

        try
        {
            using var activity = telemetry.StartGenerate(host.Info?.Requested ?? host.Model.Folder, request.Adapter);
            using var lease = await GuardAsync(() => adapters.AcquireAsync(request.Adapter, cancellationToken)).ConfigureAwait(false);
            var summary = await StreamAsync(lease.Model, promptIds, sampling, responseStream, cancellationToken).ConfigureAwait(false);
            if (summary is not null)
            {
                telemetry.Finished(activity, summary);
            }
        }
        finally
        {
            admission.Release();
        }
    }

    public override Task<ListAdaptersResponse> ListAdapters(ListAdaptersRequest request, ServerCallContext context)
    {
        var response = new ListAdaptersResponse();
        response.Adapters.AddRange(adapters.List().Select(ToProto));
        return Task.FromResult(response);
    }

    public override async Task<LoadAdapterResponse> LoadAdapter(LoadAdapterRequest request, ServerCallContext context)
    {
        var description = await GuardAsync(() => adapters.LoadAsync(request.Name, context.CancellationToken)).ConfigureAwait(false);
        return new LoadAdapterResponse { Adapter = ToProto(description) };
    }

    public override Task<UnloadAdapterResponse> UnloadAdapter(UnloadAdapterRequest request, ServerCallContext context)
    {
        if (adapters.Unload(request.Name))
        {
            return Task.FromResult(new UnloadAdapterResponse { Unloaded = true });
        }

        // Not loaded: say whether the name is malformed or unknown rather than just "false".
        Guard(() => adapters.FolderOf(request.Name));
        return Task.FromResult(new UnloadAdapterResponse { Unloaded = false });
    }

    /// <summary>Streams the frames; returns the engine's summary once every frame is written.</summary>
    private async Task<CoreSummary?> StreamAsync(LanguageModel model, IReadOnlyList<int> promptIds, SamplingOptions sampling,
        IServerStreamWriter<GenerateResponse> responseStream, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<GenerateResponse>(new BoundedChannelOptions(options.Value.StreamBufferFrames)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var decoding = Task.Run(() => DecodeAsync(model, promptIds, sampling, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            }

            return await decoding.ConfigureAwait(false);
        }
        finally
        {
            // The decode loop must have stopped before its model and its slot are handed back.
            await stop.CancelAsync().ConfigureAwait(false);
            await decoding.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)
                .ConfigureAwait(false);
        }
    }

    private static async Task<CoreSummary?> DecodeAsync(LanguageModel model, IReadOnlyList<int> promptIds, SamplingOptions sampling,
        ChannelWriter<GenerateResponse> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        CoreSummary? last = null;
        try
        {
            await foreach (var item in model.Generator.StreamAsync(promptIds, sampling, cancellationToken).ConfigureAwait(false))
            {
                var frame = item switch
                {
                    CoreDelta delta => new GenerateResponse { Delta = ToProto(delta) },
                    CoreSummary summary => new GenerateResponse { Summary = ToProto(last = summary) },
                    _ => null,
                };
                if (frame is not null)
                {
                    await writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            failure = e is ArgumentException ? new RpcException(new Status(StatusCode.InvalidArgument, e.Message)) : e;
        }
        finally
        {
            writer.TryComplete(failure);
        }

        return last;
    }

    /// <summary>The prompt's token ids and the sampling options, or INVALID_ARGUMENT naming what is wrong.</summary>
    private static (IReadOnlyList<int> PromptIds, SamplingOptions Sampling) Prepare(GenerateRequest request, LanguageModel model)
    {
        IReadOnlyList<int> promptIds = request.InputCase switch
        {
            GenerateRequest.InputOneofCase.Prompt when request.Prompt.Length > 0 => model.Tokenizer.Encode(request.Prompt),
            GenerateRequest.InputOneofCase.Messages => Guard(() => model.EncodeChat(
                [.. request.Messages.Messages.Select(m => new CoreChatMessage(m.Role, m.Content))])),
            _ => throw InvalidArgument("the request has no prompt: set prompt (non-empty text) or messages."),
        };
        if (promptIds.Count == 0)
        {
            throw InvalidArgument("the prompt is empty after tokenization.");
        }

        var context = model.Config.MaxPositionEmbeddings;
        if (promptIds.Count >= context)
        {
            throw InvalidArgument($"the prompt has {promptIds.Count} tokens; the model's context is {context} tokens.");
        }

        var defaults = model.DefaultSampling();
        var given = request.Sampling ?? new SamplingParams();
        var sampling = defaults with
        {
            Temperature = given.HasTemperature ? given.Temperature : defaults.Temperature,
            TopK = given.HasTopK ? given.TopK : defaults.TopK,
            TopP = given.HasTopP ? given.TopP : defaults.TopP,
            MinP = given.HasMinP ? given.MinP : defaults.MinP,
            RepetitionPenalty = given.HasRepetitionPenalty ? given.RepetitionPenalty : defaults.RepetitionPenalty,
            Seed = given.HasSeed ? given.Seed : null,
            MaxNewTokens = given.HasMaxTokens ? given.MaxTokens : defaults.MaxNewTokens,
            StopStrings = [.. request.Stop],
        };
        Guard(() => sampling.Validate());
        return (promptIds, sampling);
    }

    private static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static void Guard(Action action) => Guard(() =>
    {
        action();
        return 0;
    });

    /// <summary>Runs a step, turning the engine's and the registry's exceptions into gRPC statuses.</summary>
    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (ToRpc(e) is { } rpc)
        {
            throw rpc;
        }
    }

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

    private static RpcException? ToRpc(Exception e) => e switch
    {
        AdapterNotFoundException => new RpcException(new Status(StatusCode.NotFound, e.Message)),
        ArgumentException or NotSupportedException => InvalidArgument(e.Message),
        InvalidDataException or FileNotFoundException => new RpcException(new Status(StatusCode.FailedPrecondition, e.Message)),
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
