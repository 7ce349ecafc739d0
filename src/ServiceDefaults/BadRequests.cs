using Microsoft.AspNetCore.Http;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// Minimal APIs throw <see cref="BadHttpRequestException"/> when a request cannot be bound (a body
/// that is not JSON, a field of the wrong type) where the environment is Development, as Aspire
/// runs it. The exception handler would answer 500; these give the exception's own 4xx and say what
/// is wrong, from the JSON reader's message (a position in the body, never a server path).
/// </summary>
public static class BadRequests
{
    public static int StatusCodeOf(Exception exception) =>
        exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;

    public static void Describe(ProblemDetailsContext context)
    {
        if (context.Exception is not BadHttpRequestException bad)
        {
            return;
        }

        context.ProblemDetails.Status = bad.StatusCode;
        context.ProblemDetails.Title = "The request is not valid.";
        context.ProblemDetails.Detail = bad.InnerException is { } inner
            ? $"{bad.Message} {ServerPaths.Redact(inner.Message)}"
            : bad.Message;
    }
}
