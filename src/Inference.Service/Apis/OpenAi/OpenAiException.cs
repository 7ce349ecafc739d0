namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>A request refused with an OpenAI-style error body.</summary>
public sealed class OpenAiException(int statusCode, string type, string message, string? param, string? code) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Type { get; } = type;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    /// <summary>Sent as Retry-After (seconds) and retry-after-ms, which the OpenAI SDKs honour.</summary>
    public int? RetryAfterMs { get; init; }

    public static OpenAiException BadRequest(string message, string? param, string? code = null) =>
        new(StatusCodes.Status400BadRequest, "invalid_request_error", message, param, code);

    public ErrorResponse ToResponse() => new(new ErrorBody(Message, Type, Param, Code));
}
