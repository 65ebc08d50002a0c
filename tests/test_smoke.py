from helpers import check_gradcheck, check_op


def test_mul_add_broadcast():
    check_op(lambda T, a, b: a * b + a, [(3, 1), (1, 4)])
    check_op(lambda T, a, b: (a - b) / (b * b + 1), [(2, 3), (3,)])


def test_gradcheck_mul():
    check_gradcheck(lambda T, a, b: (a * b).exp(), [(2, 3), (3,)], gradgrad=True)
