using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Evaluation;

/// <summary>How a generated answer relates to the template it was prompted with.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdherenceClass>))]
public enum AdherenceClass
{
    /// <summary>Stopped on the template's end marker after a non-empty answer laid out as the template requires.</summary>
    [JsonStringEnumMemberName("adherent")]
    Adherent,

    /// <summary>Stopped by an end-of-sequence token or another stop before the end marker, or with an empty answer.</summary>
    [JsonStringEnumMemberName("early_stop")]
    EarlyStop,

    /// <summary>Reached the token limit without writing the end marker.</summary>
    [JsonStringEnumMemberName("run_on")]
    RunOn,

    /// <summary>Anything else: a template section header inside the answer, or the wrong text before the marker.</summary>
    [JsonStringEnumMemberName("malformed")]
    Malformed,
}
