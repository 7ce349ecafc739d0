using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;

namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// Anthropic's messages API through the official Anthropic SDK, with a custom base URL. The SDK's
/// own retries are off; the caller retries.
/// </summary>
public sealed class AnthropicProvider : IChatProvider
{
    public const string DefaultBaseUrl = "https://api.anthropic.com";

    private readonly AnthropicClient _client;

    public AnthropicProvider(string name, string model, Uri baseUrl, string apiKey, HttpClient httpClient, TimeSpan requestTimeout)
    {
        Name = name;
        Model = model;
        _client = new AnthropicClient(new ClientOptions
        {
            BaseUrl = baseUrl.ToString().TrimEnd('/'),
            ApiKey = apiKey,
            HttpClient = httpClient,
            MaxRetries = 0,
            Timeout = requestTimeout,
        });
    }

    public string Name { get; }

    public string System => "anthropic";

    public string Model { get; }

    public async Task<ChatReply> CompleteAsync(IReadOnlyList<PromptMessage> messages, ChatRequestOptions options, CancellationToken cancellationToken)
    {
        var retryAfter = RetryAfterCapture.Begin();
        var parameters = BuildParams(messages, options);
        try
        {
            return options.Stream
                ? await StreamAsync(parameters, cancellationToken)
                : Read(await _client.Messages.Create(parameters, cancellationToken));
        }
        catch (AnthropicApiException e)
        {
            throw ProviderException.FromStatus(Name, (int)e.StatusCode, e.ResponseBody, retryAfter.Value, e);
        }
        catch (AnthropicIOException e)
        {
            throw ProviderException.Network(Name, e);
        }
        catch (HttpRequestException e)
        {
            throw ProviderException.Network(Name, e);
        }
        catch (Exception e) when (e is AnthropicException or JsonException or FormatException or InvalidOperationException)
        {
            throw ProviderException.Malformed(Name, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw ProviderException.Network(Name, new TimeoutException("the request timed out", e));
        }
    }

    private MessageCreateParams BuildParams(IReadOnlyList<PromptMessage> messages, ChatRequestOptions options)
    {
        var system = string.Join("\n\n", messages.Where(m => m.Role == PromptMessage.SystemRole).Select(m => m.Content));
        List<MessageParam> turns = [.. messages.Where(m => m.Role != PromptMessage.SystemRole).Select(ToSdk)];
        var typed = system.Length > 0
            ? new MessageCreateParams { Model = Model, MaxTokens = options.MaxTokens, Messages = turns, System = system }
            : new MessageCreateParams { Model = Model, MaxTokens = options.MaxTokens, Messages = turns };

        // This SDK version has no typed temperature or top_p, and its params are init-only: the
        // remaining fields go into the body in the API's own shape.
        var body = new Dictionary<string, JsonElement>(typed.RawBodyData);
        if (options.Temperature is { } temperature)
        {
            body["temperature"] = JsonSerializer.SerializeToElement(temperature);
        }

        if (options.TopP is { } topP)
        {
            body["top_p"] = JsonSerializer.SerializeToElement(topP);
        }

        if (options.ResponseSchema is { } schema)
        {
            body["output_config"] = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["format"] = new Dictionary<string, object> { ["type"] = "json_schema", ["schema"] = schema },
            });
        }

        return MessageCreateParams.FromRawUnchecked(typed.RawHeaderData, typed.RawQueryData, body);
    }

    private static MessageParam ToSdk(PromptMessage message) => message.Role == PromptMessage.AssistantRole
        ? new AssistantMessageParam(message.Content)
        : new UserMessageParam(message.Content);

    private async Task<ChatReply> StreamAsync(MessageCreateParams parameters, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        long input = 0, output = 0;
        string? finish = null;
        await foreach (var streamEvent in _client.Messages.CreateStreaming(parameters, cancellationToken))
        {
            if (streamEvent.TryPickStart(out var start))
            {
                input = start.Message.Usage.InputTokens;
                output = start.Message.Usage.OutputTokens;
            }
            else if (streamEvent.TryPickContentBlockDelta(out var blockDelta) && blockDelta.Delta.TryPickText(out var delta))
            {
                text.Append(delta.Text);
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                output = messageDelta.Usage.OutputTokens;
                input = messageDelta.Usage.InputTokens ?? input;
                finish = messageDelta.Delta.StopReason?.Raw() ?? finish;
            }
        }

        return new ChatReply(text.ToString(), input, output, finish);
    }

    private static ChatReply Read(Message message)
    {
        var text = new StringBuilder();
        foreach (var block in message.Content)
        {
            if (block.TryPickText(out var textBlock))
            {
                text.Append(textBlock.Text);
            }
        }

        return new ChatReply(text.ToString(), message.Usage.InputTokens, message.Usage.OutputTokens, message.StopReason?.Raw());
    }
}
