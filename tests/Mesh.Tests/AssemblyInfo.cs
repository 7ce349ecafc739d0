// Each collection starts a whole mesh; two at once would only fight over two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
