namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>
/// Checks one record against the template: every field present and non-empty, within the length
/// limits, no template marker inside a value, the rendered text reads back into the same fields in
/// order, and it ends with the end marker.
/// </summary>
public sealed class TemplateValidator(TemplateShape shape, int maxFieldChars, int maxExampleChars)
{
    public TemplateShape Shape { get; } = shape;

    public Rejection? Check(IReadOnlyDictionary<string, string> record)
    {
        var template = Shape.Template;
        foreach (var field in template.Fields)
        {
            if (!record.TryGetValue(field, out var value))
            {
                return new Rejection(RejectionReason.MissingField, $"no \"{field}\" field");
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                return new Rejection(RejectionReason.EmptyField, $"\"{field}\" is empty");
            }

            if (value.Length > maxFieldChars)
            {
                return new Rejection(RejectionReason.FieldTooLong, $"\"{field}\" has {value.Length} characters (limit {maxFieldChars})");
            }

            var marker = Shape.Markers.FirstOrDefault(m => value.Contains(m, StringComparison.Ordinal))
                ?? template.Fields.Select(f => $"{{{f}}}").FirstOrDefault(p => value.Contains(p, StringComparison.Ordinal));
            if (marker is not null)
            {
                return new Rejection(RejectionReason.TemplateMarkerInValue, $"\"{field}\" contains the template text '{marker}'");
            }
        }

        var rendered = template.RenderFull(record);
        if (rendered.Length > maxExampleChars)
        {
            return new Rejection(RejectionReason.ExampleTooLong, $"the rendered example has {rendered.Length} characters (limit {maxExampleChars})");
        }

        var readBack = Shape.ReadBack(rendered);
        if (readBack is null || template.Fields.Any(f => readBack[f] != record[f]))
        {
            return new Rejection(RejectionReason.SectionsOutOfOrder, "the rendered example does not read back into the same fields in order");
        }

        if (template.StopString is { } stop && !rendered.TrimEnd().EndsWith(stop, StringComparison.Ordinal))
        {
            return new Rejection(RejectionReason.NoStopMarker, $"the rendered example does not end with '{stop}'");
        }

        return null;
    }
}
