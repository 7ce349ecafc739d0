using System.Text.Json.Serialization;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The error's message, type (e.g. invalid_request_error), the parameter at fault and a code.</summary>
public sealed record ErrorBody(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
