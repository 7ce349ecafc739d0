using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// One error body for every 4xx of the trainer API: what is wrong, in sentences a person can act on,
/// with any server path cut out (<see cref="ServerPaths"/>).
/// </summary>
public static class ApiErrors
{
    public static IResult BadRequest(params IEnumerable<string> errors) =>
        Results.Json(new { error = "the request was refused", errors = errors.Select(ServerPaths.Redact).ToArray() }, statusCode: StatusCodes.Status400BadRequest);

    public static IResult NotFound(string message) =>
        Results.Json(new { error = ServerPaths.Redact(message) }, statusCode: StatusCodes.Status404NotFound);

    /// <summary>503 with a Retry-After: a dependency (the broker) is down for now, and the request changed nothing.</summary>
    public static IResult Unavailable(string message) =>
        Results.Json(new { error = ServerPaths.Redact(message) }, statusCode: StatusCodes.Status503ServiceUnavailable);

    public static IResult Conflict(string message) =>
        Results.Json(new { error = ServerPaths.Redact(message) }, statusCode: StatusCodes.Status409Conflict);
}
