using System.Globalization;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The runner's, the registry's and the engine's exceptions as OpenAI-style errors.</summary>
public static class OpenAiErrors
{
    /// <summary>The error to answer with, or null for an exception that is a server fault.</summary>
    public static OpenAiException? From(Exception e, string promptParam) => From(e, ServerPaths.Redact(e.Message), promptParam);

    private static OpenAiException? From(Exception e, string message, string promptParam) => e switch
    {
        OpenAiException known => known,
        AdapterNotFoundException => new OpenAiException(StatusCodes.Status404NotFound, "invalid_request_error", message, "model", "model_not_found"),
        PromptTooLongException => OpenAiException.BadRequest(message, promptParam, "context_length_exceeded"),
        ServerBusyException busy => new OpenAiException(StatusCodes.Status429TooManyRequests, "rate_limit_error", message, null, "server_busy")
        {
            RetryAfterMs = busy.RetryAfterMs,
        },
        ModelNotReadyException => new OpenAiException(StatusCodes.Status503ServiceUnavailable, "server_error", message, null, "model_loading")
        {
            RetryAfterMs = 1000,
        },
        ArgumentException or NotSupportedException => OpenAiException.BadRequest(message, null),
        InvalidDataException or FileNotFoundException =>
            new OpenAiException(StatusCodes.Status422UnprocessableEntity, "invalid_request_error", message, "model", "model_unusable"),
        _ => null,
    };

    public static IResult Result(HttpResponse response, OpenAiException error)
    {
        if (error.RetryAfterMs is { } ms)
        {
            response.Headers.RetryAfter = ((ms + 999) / 1000).ToString(CultureInfo.InvariantCulture);
            response.Headers["retry-after-ms"] = ms.ToString(CultureInfo.InvariantCulture);
        }

        return TypedResults.Json(error.ToResponse(), OpenAiJson.Options, statusCode: error.StatusCode);
    }
}
