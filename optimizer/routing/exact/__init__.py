"""Optimal pick routes in rectangular warehouses with one to four blocks.

The router ``EXACT`` (``route(..., method="exact")``) solves the single-picker
routing problem to optimality by dynamic programming over the aisles, left to
right, in the tradition of

- Ratliff & Rosenthal (1983) for one block (front and back cross-aisle),
- Roodbergen & de Koster (2001) for two blocks (a middle cross-aisle), and
- Pansart, Catusse & Cambazard (2018) for any number of cross-aisles, used
  here for three and four blocks (four and five cross-aisles).

All build the optimal tour as an even, connected multigraph on a reduced
graph: the aisle ends, the pick nodes and the depot. Sweeping the aisles from
left to right, a partial solution is summarised by an *equivalence class*:
for every cross-aisle vertex of the current aisle whether its degree is zero,
even or odd, and which of them are connected so far. In an aisle of one
block, the optimal subgraph is one of six configurations (traverse once,
traverse twice, return from the front, return from the back, return from both
ends leaving the largest gap, nothing); between two aisles each cross-aisle
edge is walked 0, 1 or 2 times.

Why this is exact
-----------------
A walk through the picks is an Euler path of a connected multigraph on the
reduced graph whose vertices all have even degree except the two ends of an
open walk (and conversely). In a cheapest such multigraph,

1. no edge is used more than twice: removing two copies of an edge used three
   times or more keeps every degree's parity and the connectivity;
2. inside one aisle of one block, the pick vertices get edges only from the
   aisle, so all its edges are used an odd number of times (once, by 1.) or
   all an even number (0 or 2). In the even case the unused edges form at
   most one run, since two would cut off the picks between them: the aisle
   is walked twice through, or in and back from the front, from the back,
   or from both ends leaving out one gap between two picks (the largest is
   cheapest, and which gap does not change the class), or not at all if it
   has no picks. With "once", these are the six configurations;
3. which completions (the edges right of the current column) turn a partial
   multigraph into a valid one depends only on its class: the degree (zero,
   even, odd) of each vertex it shares with the completion, i.e. the current
   column's cross-aisle vertices, and which of them it connects. A
   component that leaves the frontier can never be joined again, so it must
   be the whole tour.

Hence one DP value per class suffices and the sweep finds the optimum over
all tours. The classes and transitions are generated from these rules, not
tabulated by hand: for closed tours the sweep meets 7 classes with one block,
exactly those of Ratliff & Rosenthal (counting "nothing yet" and "complete"),
25 with two and 113 with three. The tests check the optimum against
Held-Karp on thousands of random one-, two- and three-block warehouses and
against LKH-3 on 30 to 60 picks in a 40-aisle three-block warehouse, and on
1,000 random four-block instances against Held-Karp.
Generating the classes makes two generalisations cheap:

- **any depot position**: on any cross-aisle, at an aisle or between two
  aisles (its abscissa becomes an extra column without aisle edges whose
  cross-aisle vertex must be visited), possibly set back from the front or
  back cross-aisle by a spur, walked out and back;
- **open walks** from one depot to another: the two ends must get odd degree
  and every other vertex even degree, a parity condition the classes already
  track. The optimal subgraph then has an Euler path from start to end.

The tour is returned as the Euler circuit (or path) of the optimal multigraph,
as reduced-graph vertices in walking order: consecutive waypoints always lie
on one aisle or one cross-aisle (straight past the aisles the sweep skips),
so joining them by shortest walks reproduces the DP's walk and the sum of
their distances is the optimum.

Complexity and the block limit
------------------------------
With ``n`` aisles, ``m`` blocks, ``k`` picks and ``S`` classes (closed tours
and open walks together: 14, 72, 442 and 2,956 for one to four blocks), the
sweep takes ``O((n + 2) * S * (6 m + 2^(m+1)))`` time, over fewer columns in
practice: those with picks or a depot and few others (see :mod:`~optimizer.routing.exact.sweep`).
The aisle step is applied one block at a time (6 configurations each, not
``6^m`` at once), and in the cross step the parity each vertex must end with
forces the parity of each edge count, leaving at most ``2^(m+1)`` of the
``3^(m+1)`` choices. That is a constant per aisle: about 140 transitions for
one block and 15,000 for three, most of them skipped because few classes are
reached. Reading the picks costs ``O(k)`` after sorting, and the walk back
through the DP's choices and the Euler walk ``O(k + n)``, so a route costs
``O(k log k + n)`` in all.

The class tables are generated in Python once per block count and kept on
disk (:func:`~optimizer.routing.exact.states.machine`: a second process
reads them); per process and depot parity they are packed once more for the
kernel. The sweep, the walk back, the Euler walk and the node path run in
numba, three kernels called one after the other (not from one kernel: numba
would compile their code again inside it, seconds on a fresh install's first
route); a length is one kernel call. :func:`warm_up` loads or builds every table a
closed tour can need, so a warm worker never builds one on a request; an
open walk between depots on other columns packs its table on first use.
Measured times of :meth:`ExactRouter.solve` and of the whole ``route()``
call are in ``benches/results/routing_quick.md``
(``benches/compare_routing.py``), those of :meth:`ExactRouter.length` and of
building the tables in ``benches/results/routing_docstring_figures.md``.

``MAX_BLOCKS`` is 4 because the classes grow quickly with the cross-aisles:
four blocks reach 2,956 classes (442 for three) and their tables, generated
in about 4 s of CPU, hold 55 MB (11 MB more per depot parity, packed for the
kernel). Five blocks reach 20,806 classes; building their tables took more
than 4 GB of memory and was stopped there after about 80 s of CPU (one
transition array alone, 64 x 20,806 x 64 integers, is 650 MiB). The sweep
itself is exact for any block count;
beyond four blocks ``auto`` runs the local search
(:mod:`~optimizer.routing.local_search`).

Modules, in the order the router uses them:

``states``   the classes and their transitions, generated once per block count
``columns``  the sweep's columns for one layout and pair of depots
``sweep``    the DP, the walk back and the Euler walk as numba kernels, and
             the arrays they read
``router``   :class:`ExactRouter`: applies, prepares and calls the kernels

References
----------
.. [1] H. D. Ratliff and A. S. Rosenthal, "Order-picking in a rectangular
   warehouse: a solvable case of the traveling salesman problem",
   Operations Research 31(3), 507-521, 1983.
.. [2] K. J. Roodbergen and R. de Koster, "Routing order pickers in a
   warehouse with a middle aisle", European Journal of Operational Research
   133(1), 32-43, 2001.
.. [3] L. Pansart, N. Catusse and H. Cambazard, "Exact algorithms for the
   order picking problem", Computers & Operations Research 100, 117-127, 2018.
"""

from optimizer.routing.exact.router import EXACT, MAX_BLOCKS, ExactRouter, warm_up

__all__ = ["EXACT", "ExactRouter", "MAX_BLOCKS", "warm_up"]
