using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("FineTuneMesh.Core.Tests")]
