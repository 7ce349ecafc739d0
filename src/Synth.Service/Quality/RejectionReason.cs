namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>Why the quality gate turned an example away.</summary>
public enum RejectionReason
{
    MissingField,
    EmptyField,
    FieldTooLong,
    ExampleTooLong,

    /// <summary>A value holds a template header, the end marker or a placeholder: the rendered sections would be ambiguous.</summary>
    TemplateMarkerInValue,

    /// <summary>The rendered text does not read back into the same fields, in order.</summary>
    SectionsOutOfOrder,

    /// <summary>The rendered text does not end with the template's end marker.</summary>
    NoStopMarker,

    ExactDuplicate,
    NearDuplicate,

    /// <summary>Valid, but the job already had as many as it asked for.</summary>
    Surplus,
}
