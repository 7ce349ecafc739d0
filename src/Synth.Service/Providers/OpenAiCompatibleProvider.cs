using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// Any OpenAI chat-completions endpoint through the official OpenAI SDK: OpenAI itself, Azure's v1
/// API, Ollama, vLLM, or our own Inference.Service. The SDK's own retries are off; the caller retries.
/// </summary>
public sealed class OpenAiCompatibleProvider : IChatProvider
{
    public const string DefaultBaseUrl = "https://api.openai.com/v1";

    /// <summary>Servers without keys (Ollama, vLLM, ours) ignore it; the SDK insists on one.</summary>
    private const string NoKey = "no-key";

    private readonly ChatClient _client;

    public OpenAiCompatibleProvider(string name, string model, Uri endpoint, string? apiKey, HttpClient httpClient, TimeSpan requestTimeout)
    {
        Name = name;
        Model = model;
        _client = new ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? NoKey : apiKey), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            Transport = new HttpClientPipelineTransport(httpClient),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = requestTimeout,
        });
    }

    public string Name { get; }

    public string System => "openai";

    public string Model { get; }

    public async Task<ChatReply> CompleteAsync(IReadOnlyList<PromptMessage> messages, ChatRequestOptions options, CancellationToken cancellationToken)
    {
        var retryAfter = RetryAfterCapture.Begin();
        var chat = messages.Select(ToSdk).ToList();
        var sdkOptions = new ChatCompletionOptions
        {
            Temperature = options.Temperature,
            TopP = options.TopP,
            MaxOutputTokenCount = options.MaxTokens,
        };
        if (options.ResponseSchema is { } schema)
        {
            sdkOptions.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
                "examples", BinaryData.FromString(schema.GetRawText()), "Training examples that follow the template.", jsonSchemaIsStrict: true);
        }

        try
        {
            return options.Stream
                ? await StreamAsync(chat, sdkOptions, cancellationToken)
                : Read((await _client.CompleteChatAsync(chat, sdkOptions, cancellationToken)).Value);
        }
        catch (ClientResultException e) when (e.Status > 0)
        {
            throw ProviderException.FromStatus(Name, e.Status, ErrorDetail(e), retryAfter.Value, e);
        }
        catch (ClientResultException e)
        {
            throw ProviderException.Network(Name, e);
        }
        catch (HttpRequestException e)
        {
            throw ProviderException.Network(Name, e);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            throw ProviderException.Malformed(Name, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw ProviderException.Network(Name, new TimeoutException("the request timed out", e));
        }
    }

    private async Task<ChatReply> StreamAsync(List<ChatMessage> chat, ChatCompletionOptions options, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        long input = 0, output = 0;
        string? finish = null;
        await foreach (var update in _client.CompleteChatStreamingAsync(chat, options, cancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            if (update.Usage is { } usage)
            {
                input = usage.InputTokenCount;
                output = usage.OutputTokenCount;
            }

            if (update.FinishReason is { } reason)
            {
                finish = reason.ToString();
            }
        }

        return new ChatReply(text.ToString(), input, output, finish);
    }

    private static ChatReply Read(ChatCompletion completion) => new(
        string.Concat(completion.Content.Select(part => part.Text)),
        completion.Usage?.InputTokenCount ?? 0,
        completion.Usage?.OutputTokenCount ?? 0,
        completion.FinishReason.ToString());

    private static ChatMessage ToSdk(PromptMessage message) => message.Role switch
    {
        PromptMessage.SystemRole => new SystemChatMessage(message.Content),
        PromptMessage.AssistantRole => new AssistantChatMessage(message.Content),
        _ => new UserChatMessage(message.Content),
    };

    /// <summary>The server's own error text, which never contains our key.</summary>
    private static string? ErrorDetail(ClientResultException e)
    {
        try
        {
            return e.GetRawResponse()?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
