using System.Diagnostics;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Inference.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// The one path every API generates through (gRPC and the OpenAI-compatible REST API alike):
/// checks the request, takes a slot in the <see cref="AdmissionQueue"/> and its share of the
/// <see cref="KvBudget"/>, borrows the base or
/// adapter model and starts the decode loop. Everything that can refuse a request happens in
/// <see cref="StartAsync"/>, before a response has begun, so each API can answer with its own
/// status (RESOURCE_EXHAUSTED / 429, NOT_FOUND / 404, INVALID_ARGUMENT / 400).
/// </summary>
public sealed class GenerationRunner(
    ModelHost host,
    AdapterRegistry adapters,
    AdmissionQueue admission,
    KvBudget kvBudget,
    InferenceTelemetry telemetry,
    IOptions<InferenceOptions> options,
    ILogger<GenerationRunner> logger)
{
    /// <summary>Starts a generation; dispose the stream to end it (and free its slot) early.</summary>
    /// <param name="request">What to generate.</param>
    /// <param name="cancellationToken">The caller leaving.</param>
    /// <param name="whileQueued">
    /// Called when the request has to wait for a decode slot, then at each keep-alive interval: the
    /// API starts its response there, so that no proxy takes the wait for a dead request.
    /// </param>
    /// <exception cref="ModelNotReadyException">The base model is still loading.</exception>
    /// <exception cref="ArgumentException">A bad request (<see cref="PromptTooLongException"/> for an oversize prompt).</exception>
    /// <exception cref="AdapterNotFoundException">No such adapter.</exception>
    /// <exception cref="ServerBusyException">Every slot and queue place is taken, no slot came free in time, or the KV budget is taken.</exception>
    public async Task<GenerationStream> StartAsync(GenerationRequest request, CancellationToken cancellationToken,
        Func<TimeSpan, CancellationToken, Task>? whileQueued = null)
    {
        var started = Stopwatch.GetTimestamp();
        if (!host.IsLoaded)
        {
            throw new ModelNotReadyException();
        }

        var model = host.Model;
        var activity = telemetry.StartGeneration(request, host.Info?.Requested ?? model.Folder);
        try
        {
            var (promptIds, sampling) = Prepare(request, model, options.Value.MaxPromptTokens);
            if (!string.IsNullOrEmpty(request.Adapter))
            {
                adapters.Validate(request.Adapter);
            }

            var kvBytes = KvBytesWithinBudget(model.Config, promptIds.Count, sampling.MaxNewTokens);

            if (!await admission.TryEnterAsync(whileQueued, cancellationToken).ConfigureAwait(false))
            {
                var value = options.Value;
                Log.GenerationRefused(logger, value.MaxConcurrentGenerations);
                throw new ServerBusyException(
                    $"the server is busy: {value.MaxConcurrentGenerations} generation(s) running and {value.MaxQueuedGenerations} queued; retry after {value.RetryAfterMs} ms.",
                    value.RetryAfterMs);
            }

            if (!kvBudget.TryReserve(kvBytes))
            {
                admission.Release();
                var (held, running) = kvBudget.Reserved;
                Log.KvBudgetRefused(logger, kvBytes, held, kvBudget.BudgetBytes);
                throw new ServerBusyException(
                    $"the server's attention-cache budget is taken: {running} generation(s) hold {KvBudget.Megabytes(held)} of "
                    + $"{KvBudget.Megabytes(kvBudget.BudgetBytes)} (Inference:MaxKvCacheMB) and this one needs {KvBudget.Megabytes(kvBytes)}; "
                    + $"retry after {options.Value.RetryAfterMs} ms, or ask for fewer max tokens.",
                    options.Value.RetryAfterMs);
            }

            ModelLease lease;
            try
            {
                lease = await adapters.AcquireAsync(request.Adapter, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                kvBudget.Release(kvBytes);
                admission.Release();
                throw;
            }

            var limits = new GenerationStream.Limits(options.Value.StreamBufferFrames, TimeSpan.FromSeconds(options.Value.MaxGenerationSeconds),
                TimeSpan.FromMilliseconds(options.Value.KeepAliveMs));
            // An adapter trained on a template brings the template's tail for speculative decoding to draft.
            sampling = lease.ExpectedTexts.Count > 0 ? sampling with { ExpectedTexts = lease.ExpectedTexts } : sampling;
            sampling = sampling with { DraftTokens = options.Value.DraftTokens };
            return GenerationStream.Start(lease, promptIds, sampling, limits, started, activity, telemetry,
                () =>
                {
                    lease.Dispose();
                    kvBudget.Release(kvBytes);
                    admission.Release();
                },
                cancellationToken);
        }
        catch (Exception e)
        {
            telemetry.Failed(activity, e);
            activity?.Dispose();
            throw;
        }
    }

    /// <summary>The KV bytes the generation reserves, or an ArgumentException when it needs more than the whole budget.</summary>
    private long KvBytesWithinBudget(ModelConfig config, int promptTokens, int maxNewTokens)
    {
        var (positions, bytes) = KvBudget.Need(config, promptTokens, maxNewTokens);
        if (bytes > kvBudget.BudgetBytes)
        {
            throw new ArgumentException(
                $"the prompt ({promptTokens} tokens) plus max tokens ({maxNewTokens}) need {positions} cached positions, {KvBudget.Megabytes(bytes)} "
                + $"of attention cache; this server's whole budget is {KvBudget.Megabytes(kvBudget.BudgetBytes)} (Inference:MaxKvCacheMB): ask for fewer max tokens.");
        }

        return bytes;
    }

    /// <summary>The prompt's token ids and the sampling options, or an ArgumentException naming what is wrong.</summary>
    private static (IReadOnlyList<int> PromptIds, SamplingOptions Sampling) Prepare(GenerationRequest request, LanguageModel model, int maxPromptTokens)
    {
        IReadOnlyList<int> promptIds = request switch
        {
            { Messages: { } messages } => model.EncodeChat(messages),
            { Prompt: { Length: > 0 } prompt } => model.Tokenizer.Encode(prompt),
            _ => throw new ArgumentException("the request has no prompt: give a non-empty prompt or chat messages."),
        };
        if (promptIds.Count == 0)
        {
            throw new ArgumentException("the prompt is empty after tokenization.");
        }

        var context = model.Config.MaxPositionEmbeddings;
        if (promptIds.Count >= context)
        {
            throw new PromptTooLongException(promptIds.Count, context - 1,
                $"the prompt has {promptIds.Count} tokens; the model's context is {context} tokens, so at most {context - 1} fit with one generated token.");
        }

        if (maxPromptTokens > 0 && promptIds.Count > maxPromptTokens)
        {
            throw new PromptTooLongException(promptIds.Count, maxPromptTokens,
                $"the prompt has {promptIds.Count} tokens; this server accepts at most {maxPromptTokens} (Inference:MaxPromptTokens; the model's context is {context}).");
        }

        var defaults = model.DefaultSampling();
        var sampling = defaults with
        {
            Temperature = request.Temperature ?? defaults.Temperature,
            TopK = request.TopK ?? defaults.TopK,
            TopP = request.TopP ?? defaults.TopP,
            MinP = request.MinP ?? defaults.MinP,
            RepetitionPenalty = request.RepetitionPenalty ?? defaults.RepetitionPenalty,
            Seed = request.Seed,
            MaxNewTokens = request.MaxTokens ?? defaults.MaxNewTokens,
            StopStrings = request.Stop,
        };
        sampling.Validate();
        return (promptIds, sampling);
    }
}
