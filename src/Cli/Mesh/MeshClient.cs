using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FineTuneMesh.Mesh;

namespace FineTuneMesh.Cli.Mesh;

/// <summary>
/// The CLI's way into the mesh: its gateway's REST APIs, with the API key when one is set. Every
/// failure becomes a <see cref="MeshException"/> carrying the API's own message and an exit code.
/// </summary>
public sealed class MeshClient : IDisposable
{
    /// <summary>The gateway's address when neither <c>--mesh URL</c> nor <see cref="UrlVariable"/> says otherwise.</summary>
    public const string DefaultUrl = "http://localhost:5200";
    public const string UrlVariable = "FINETUNE_MESH_URL";
    public const string ApiKeyVariable = "FINETUNE_API_KEY";

    private readonly HttpClient _http;

    public MeshClient(string? url)
    {
        var address = !string.IsNullOrWhiteSpace(url) ? url
            : Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } configured ? configured
            : DefaultUrl;
        if (!Uri.TryCreate(address.TrimEnd('/') + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            throw new MeshException($"the mesh URL '{address}' is not an http(s) URL.", MeshExitCodes.Refused);
        }

        // Streams (job events, tokens) stay open as long as the work runs.
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public Task<T> PostJsonAsync<T>(string path, object body, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: MeshJson.Options) }, cancellationToken);

    public Task<T> PostBytesAsync<T>(string path, byte[] body, string contentType, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } },
        }, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);

    public async Task<byte[]> GetBytesAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseContentRead, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>A server-sent event stream, event by event, until the server ends it.</summary>
    public async IAsyncEnumerable<SseItem<string>> EventsAsync(HttpRequestMessage request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        try
        {
            return (await response.Content.ReadFromJsonAsync<T>(MeshJson.Options, cancellationToken))!;
        }
        catch (JsonException e)
        {
            throw new MeshException($"the mesh answered {request.RequestUri} with something that is not the expected JSON: {e.Message}",
                MeshExitCodes.Unavailable);
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new MeshException($"the mesh at {_http.BaseAddress} cannot be reached ({e.Message}); start it with ./run.sh or pass --mesh URL.",
                MeshExitCodes.Unavailable);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            var message = MeshErrorText.From(status, body);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                message += $"{Environment.NewLine}Set {ApiKeyVariable} to the gateway's API key.";
            }

            throw new MeshException(message, status is >= 400 and < 500 && status != 429 ? MeshExitCodes.Refused : MeshExitCodes.Unavailable, status);
        }
    }
}
