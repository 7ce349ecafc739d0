using System.Text.Json;
using FineTuneMesh.Mesh;
using Microsoft.AspNetCore.Http.Features;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// Reads a JSON body ourselves rather than through model binding, so that a malformed body gets a
/// 400 that says where the JSON is wrong, and an oversize one a 413 that gives the limit.
/// </summary>
public static class RequestBody
{
    public static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        var (bytes, error) = await ReadBytesAsync(request, maxBytes, cancellationToken);
        if (error is not null)
        {
            return (null, error);
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, MeshJson.Options);
            return value is null ? (null, ApiErrors.BadRequest("the body is JSON null; send a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, ApiErrors.BadRequest($"the body is not a valid job: {e.Message}"));
        }
    }

    /// <summary>The whole body, or a 413 naming the limit when it is larger (by its Content-Length or as it arrives).</summary>
    public static async Task<(byte[] Bytes, IResult? Error)> ReadBytesAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        if (request.ContentLength > maxBytes)
        {
            return ([], TooLarge(maxBytes));
        }

        using var buffer = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(buffer, cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ([], TooLarge(maxBytes));
        }

        return (buffer.ToArray(), null);
    }

    public static IResult TooLarge(long maxBytes) =>
        Results.Json(new { error = $"the body is larger than the limit of {maxBytes} bytes; store large datasets with PUT /api/train/datasets/{{name}} and name them by key." },
            statusCode: StatusCodes.Status413PayloadTooLarge);
}
